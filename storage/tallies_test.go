package storage_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestTalliesEqualTasks applies random sequences of samplings, refusals,
// results, retests, task closings and plan closings to two plans, and
// checks after every step that the task counts read from the tallies equal
// those counted over every task, and that every write reported a change
// numbered after the last.
func TestTalliesEqualTasks(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *storage.Store) {
				rng := rand.New(rand.NewPCG(seed, 0x7a11))
				ctx := storage.WithActor(t.Context(), "property")
				seedRegistry(t, s, 20)
				var ids []int64
				for _, at := range []time.Time{nominal, nominal.AddDate(0, 0, 12)} {
					p := drawPlan(t, s, sampling.KindScheduled, at, 8)
					if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
						t.Fatal(err)
					}
					for _, task := range p.Tasks {
						ids = append(ids, task.ID)
					}
				}
				var last int64
				stop := s.Watch(func(ch storage.Change) {
					if ch.Seq <= last {
						t.Errorf("change %d after change %d", ch.Seq, last)
					}
					last = ch.Seq
				})
				defer stop()
				today := on("2026-11-14")
				applied := map[string]int{}
				recorded := map[int64]bool{}
				withResult := func() int64 { // mostly a task with a result
					var fit []int64
					for _, id := range ids {
						if recorded[id] {
							fit = append(fit, id)
						}
					}
					if len(fit) == 0 || rng.IntN(5) == 0 {
						return ids[rng.IntN(len(ids))]
					}
					return fit[rng.IntN(len(fit))]
				}
				for step := range 60 {
					id := ids[rng.IntN(len(ids))]
					now := today.Add(10 * time.Hour)
					day := today.AddDate(0, 0, -rng.IntN(2)).Format(time.DateOnly)
					var op string
					var err error
					switch k := rng.IntN(13); {
					case k < 4:
						op = "record"
						batch := []sampling.Result{pass(id, day)}
						if other := ids[rng.IntN(len(ids))]; other != id {
							batch = append(batch, fail(other, day, "x"))
						}
						if _, err = s.RecordResults(ctx, batch, today); err == nil {
							for _, r := range batch {
								recorded[r.TaskID] = true
							}
						}
					case k < 5:
						op = "retest"
						_, err = s.RecordResults(ctx, []sampling.Result{retest(fail(withResult(), day, "y"))}, today)
					case k < 7:
						op = "sample"
						err = s.RecordSampling(ctx, id, sampling.Sampling{SampledOn: sampling.Day(day), BatchNo: "B", Quantity: 1, Seals: []string{"S"}}, now, shanghai)
					case k < 9:
						op = "refuse"
						err = s.RecordRefusal(ctx, id, sampling.Refusal{Reason: sampling.RefusalStopped}, now)
					case k < 12:
						op = "close task"
						err = s.CloseTask(ctx, withResult(), now)
					default:
						op = "close plans"
						today = today.AddDate(0, 0, rng.IntN(5))
						_, err = s.ClosePlans(ctx, dayOf(today), today.Add(time.Hour))
					}
					var rej *storage.RejectedError
					var state *storage.StateError
					var fields *storage.FieldsError
					switch {
					case err == nil:
						applied[op]++
					case errors.As(err, &rej), errors.As(err, &state), errors.As(err, &fields):
					default:
						t.Fatalf("step %d %s: %v", step, op, err)
					}
					got, err := s.TaskCountsBy(ctx, dayOf(today))
					if err != nil {
						t.Fatal(err)
					}
					want, err := s.TaskCountsByFromTasks(ctx, dayOf(today))
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("step %d (%s): TaskCountsBy = %v, counted over the tasks %v", step, op, got, want)
					}
					gotPlans, err := s.PlanTaskCounts(ctx, nominal.AddDate(0, 0, -1), shanghai)
					if err != nil {
						t.Fatal(err)
					}
					wantPlans, err := s.PlanTaskCountsFromTasks(ctx, nominal.AddDate(0, 0, -1), shanghai)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(gotPlans, wantPlans) {
						t.Fatalf("step %d (%s): PlanTaskCountsBy = %v, counted over the tasks %v", step, op, gotPlans, wantPlans)
					}
				}
				for _, op := range []string{"record", "retest", "sample", "refuse", "close task", "close plans"} {
					if applied[op] == 0 {
						t.Errorf("no %s succeeded in 60 steps %v: the sequence does not test what it says", op, applied)
					}
				}
			})
		})
	}
}
