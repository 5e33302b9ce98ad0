package storage_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestRollupsEqualRebuild applies random sequences of results, retests,
// corrections, objections and finalizations, and checks after every step
// that the rollups kept up incrementally equal a rebuild from the raw
// results, and at the end that the audit chain verifies.
func TestRollupsEqualRebuild(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			// The objection period is the seed's first draw.
			days := 1 + rand.New(rand.NewPCG(seed, 0x5eed)).IntN(10)
			forEachBackendWith(t, withObjection(sampling.ObjectionPolicy{Days: map[string]int{"textiles": days}}), func(t *testing.T, s *storage.Store) {
				rng := rand.New(rand.NewPCG(seed, 0x5eed))
				rng.IntN(10) // the objection period's draw
				ids := openPlan(t, s, 24)
				ctx := storage.WithActor(t.Context(), "property")
				today := on("2026-11-02")
				day := func() string { // a test day from the plan's day to today
					span := int(today.Sub(on("2026-11-01")).Hours() / 24)
					return on("2026-11-01").AddDate(0, 0, rng.IntN(span+1)).Format(time.DateOnly)
				}
				result := func(id int64) sampling.Result {
					if rng.IntN(4) == 0 {
						return fail(id, day(), fmt.Sprintf("item %d", rng.IntN(3)))
					}
					return pass(id, day())
				}
				// Most operations pick a task that fits them, some any task,
				// so that rejected operations are exercised too.
				recorded := map[int64]bool{}
				task := func(withResult bool) int64 {
					var fit []int64
					for _, id := range ids {
						if recorded[id] == withResult {
							fit = append(fit, id)
						}
					}
					if len(fit) == 0 || rng.IntN(5) == 0 {
						return ids[rng.IntN(len(ids))]
					}
					return fit[rng.IntN(len(fit))]
				}
				applied := map[string]int{}
				for step := range 80 {
					var op string
					var err error
					switch k := rng.IntN(11); {
					case k < 5:
						op = "record"
						batch := []sampling.Result{}
						for range 1 + rng.IntN(4) {
							batch = append(batch, result(task(false)))
						}
						if _, err = s.RecordResults(ctx, batch, today); err == nil {
							for _, r := range batch {
								recorded[r.TaskID] = true
							}
						}
					case k < 7:
						op = "retest"
						r := result(task(true))
						r.Retest = true
						_, err = s.RecordResults(ctx, []sampling.Result{r}, today)
					case k < 8:
						op = "correct"
						_, err = s.CorrectResult(ctx, result(task(true)), "property test", today)
					case k < 9:
						op = "object"
						if rng.IntN(3) == 0 {
							op = "withdraw"
							err = s.WithdrawObjection(ctx, task(true), dayOf(today))
						} else {
							err = s.RecordObjection(ctx, task(true), dayOf(today), dayOf(today))
						}
					default:
						op = "finalize"
						today = today.AddDate(0, 0, rng.IntN(3))
						_, err = s.FinalizeResults(ctx, dayOf(today))
						// Whatever finalization skipped would stay
						// provisional for good.
						var left int
						if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM results WHERE state = 'provisional' AND objected_on = ''
							AND objection_until < '`+today.Format(time.DateOnly)+`'`).Scan(&left); err != nil || left != 0 {
							t.Fatalf("step %d: %d results left provisional after their objection period (%v)", step, left, err)
						}
					}
					var rej *storage.RejectedError
					if err != nil && !errors.As(err, &rej) {
						t.Fatalf("step %d %s: %v", step, op, err)
					}
					if err == nil {
						applied[op]++
					}
					rep, err := s.CheckRollups(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if rep.Changed != 0 {
						t.Fatalf("step %d (%s): %d of %d rollup rows differ from a rebuild", step, op, rep.Changed, rep.Rows)
					}
				}
				for _, op := range []string{"record", "retest", "correct", "object", "finalize"} {
					if applied[op] == 0 {
						t.Errorf("no %s succeeded in 80 steps %v: the sequence does not test what it says", op, applied)
					}
				}
				checkAudit(t, s)
			})
		})
	}
}
