package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

const schedule = "textiles-monthly"

// clockAt returns a ledger clock that reads each of times in turn, then
// keeps reading the last.
func clockAt(times ...time.Time) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := times[0]
		if len(times) > 1 {
			times = times[1:]
		}
		return t
	}
}

// maker returns the draw of fires of schedule: sampling.DrawPlan of the
// record the transaction loaded, checked to be the fire's.
func maker(t *testing.T, _ *storage.Store, kind string, at time.Time) func(sampling.DrawRecord) (sampling.Plan, error) {
	return func(rec sampling.DrawRecord) (sampling.Plan, error) {
		if rec.Schedule != schedule || rec.Kind != kind || !rec.NominalTime.Equal(at) || rec.Compact().Len() == 0 || len(rec.Inspectors) == 0 {
			t.Errorf("draw of the %s fire at %v given the record of the %s %s fire at %v with %d units and %d inspectors",
				kind, at, rec.Schedule, rec.Kind, rec.NominalTime, rec.Compact().Len(), len(rec.Inspectors))
		}
		return sampling.DrawPlan(rec)
	}
}

// replicas opens n stores, each with a connection pool of its own, on a
// fresh database of backend, migrated and seeded with a registry.
func replicas(t *testing.T, backend string, n int) []*storage.Store {
	t.Helper()
	return openPools(t, storagetest.URL(t, backend), n, true)
}

// openPools opens n stores on url, closed when the test ends; with seed the
// first migrates the database and stores a registry.
func openPools(t *testing.T, url string, n int, seed bool) []*storage.Store {
	t.Helper()
	var stores []*storage.Store
	for range n {
		s, err := storage.Open(t.Context(), url, storagetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	if seed {
		if err := stores[0].Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		seedRegistry(t, stores[0], 20)
	}
	return stores
}

func claim(kind string, at time.Time) storage.Claim {
	return storage.Claim{Schedule: schedule, NominalTime: at, Kind: kind, Status: sampling.FireMade,
		Design: testDesign(at, 3), Seed: sampling.SeedFromText(at.String())}
}

// ledger renders a schedule's fires as "status kind", oldest first.
func ledger(t *testing.T, s *storage.Store) string {
	t.Helper()
	fires, err := s.Fires(t.Context(), schedule, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range fires {
		parts = append(parts, f.NominalTime.UTC().Format("15:04:05")+" "+string(f.Status))
	}
	return strings.Join(parts, ", ")
}

// countRows returns the number of plans, tasks and task inspectors.
func countRows(t *testing.T, s *storage.Store) (plans, tasks int) {
	t.Helper()
	ps, err := s.Plans(t.Context(), storage.PlanFilter{WithTasks: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		tasks += len(p.Tasks)
	}
	return len(ps), tasks
}

func TestSettleMakesOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		got, err := s.Settle(t.Context(), claim(sampling.KindScheduled, nominal), maker(t, s, sampling.KindScheduled, nominal))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Fresh || got.Fire.Status != sampling.FireMade || got.Plan.ID == 0 || len(got.Plan.Tasks) != 3 || got.Fire.StartedAt == nil {
			t.Fatalf("Settle(new fire) = %+v, want a fresh made fire with a plan of 3 tasks and a start time", got)
		}
		if got.Fire.RecordedAt.Before(*got.Fire.StartedAt) {
			t.Errorf("fire recorded at %v, before its making started at %v", got.Fire.RecordedAt, *got.Fire.StartedAt)
		}
		// The same fire again, as a catch-up: the ledger's row, nothing drawn.
		again, err := s.Settle(t.Context(), claim(sampling.KindCatchUp, nominal), func(sampling.DrawRecord) (sampling.Plan, error) {
			t.Error("draw called for a fire already in the ledger")
			return sampling.Plan{}, nil
		})
		if err != nil || again.Fresh || again.Fire.ID != got.Fire.ID {
			t.Errorf("Settle(made fire) = %+v, %v; want the existing row %d, not fresh", again, err, got.Fire.ID)
		}
		if plans, tasks := countRows(t, s); plans != 1 || tasks != 3 {
			t.Errorf("after settling one fire twice: %d plans, %d tasks; want 1, 3", plans, tasks)
		}
	})
}

// TestSettleRollsBack: a draw that fails or a transaction that is abandoned
// before commit leaves nothing behind.
func TestSettleRollsBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		errDraw := errors.New("too few inspectors")
		_, err := s.Settle(t.Context(), claim(sampling.KindScheduled, nominal), func(sampling.DrawRecord) (sampling.Plan, error) {
			return sampling.Plan{}, errDraw
		})
		if !errors.Is(err, errDraw) {
			t.Errorf("Settle with a failing draw = %v, want it wrapped", err)
		}
		c := claim(sampling.KindScheduled, nominal)
		c.BeforeCommit = func(context.Context) error { return context.Canceled }
		if _, err := s.Settle(t.Context(), c, maker(t, s, sampling.KindScheduled, nominal)); !errors.Is(err, context.Canceled) {
			t.Errorf("Settle abandoned before commit = %v, want context.Canceled", err)
		}
		if l := ledger(t, s); l != "" {
			t.Errorf("ledger after two failed makings = %q, want empty", l)
		}
		if plans, tasks := countRows(t, s); plans != 0 || tasks != 0 {
			t.Errorf("after two failed makings: %d plans, %d tasks; want none", plans, tasks)
		}
	})
}

func TestSettleRecordsUnmadeFires(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		c := claim(sampling.KindCatchUp, nominal)
		c.Status, c.Message = sampling.FireMissed, "service down"
		got, err := s.Settle(t.Context(), c, nil)
		if err != nil || !got.Fresh || got.Fire.Status != sampling.FireMissed || got.Fire.Message != "service down" || got.Fire.StartedAt != nil {
			t.Errorf("Settle(missed) = %+v, %v; want a fresh missed row with its message and no start", got, err)
		}
	})
}

// TestPause: fires of a paused schedule are skipped with who, when and why;
// a manual fire is refused; after resume fires are made again.
func TestPause(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		before, after, err := s.SetPaused(t.Context(), schedule, true, "holiday", "cli:ops")
		if err != nil {
			t.Fatal(err)
		}
		if before.Paused || !after.Paused || after.Reason != "holiday" || after.ChangedBy != "cli:ops" || after.ChangedAt.IsZero() {
			t.Fatalf("SetPaused(true) = %+v -> %+v, want active -> paused by cli:ops for holiday, with a time", before, after)
		}
		got, err := s.Settle(t.Context(), claim(sampling.KindScheduled, nominal), maker(t, s, sampling.KindScheduled, nominal))
		if err != nil {
			t.Fatal(err)
		}
		if got.Fire.Status != sampling.FireSkipped || !strings.Contains(got.Fire.Message, "paused by cli:ops") || !strings.Contains(got.Fire.Message, "holiday") {
			t.Errorf("Settle(fire of a paused schedule) = %+v, want skipped naming who and why", got.Fire)
		}
		if _, err := s.Settle(t.Context(), claim(sampling.KindManual, nominal), maker(t, s, sampling.KindManual, nominal)); !errors.Is(err, storage.ErrPaused) {
			t.Errorf("Settle(manual fire of a paused schedule) = %v, want ErrPaused", err)
		}
		states, err := s.ScheduleStates(t.Context())
		if err != nil || !states[schedule].Paused {
			t.Errorf("ScheduleStates() = %+v, %v; want %s paused", states, err, schedule)
		}
		if _, after, err = s.SetPaused(t.Context(), schedule, false, "", "cli:ops"); err != nil || after.Paused {
			t.Fatalf("SetPaused(false) = %+v, %v; want active", after, err)
		}
		next := nominal.Add(time.Hour)
		if got, err = s.Settle(t.Context(), claim(sampling.KindScheduled, next), maker(t, s, sampling.KindScheduled, next)); err != nil || got.Fire.Status != sampling.FireMade {
			t.Errorf("Settle after resume = %+v, %v; want made", got.Fire, err)
		}
	})
}

// TestOverlapByLedger: fires that came due while the plan before them was
// being made (by the ledger's start and end times) follow the policy.
func TestOverlapByLedger(t *testing.T) {
	at := func(sec float64) time.Time { return nominal.Add(time.Duration(sec * float64(time.Second))) }
	tests := []struct {
		policy sampling.OverlapPolicy
		want   string
	}{
		// The 01:00:00 plan takes 5s: 01:00:02 and 01:00:04 came due meanwhile.
		{sampling.OverlapBuffer, "01:00:00 made, 01:00:02 made, 01:00:04 skipped, 01:00:06 made"},
		{sampling.OverlapSkip, "01:00:00 made, 01:00:02 skipped, 01:00:04 skipped, 01:00:06 made"},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *storage.Store) {
				seedRegistry(t, s, 20)
				settleAt := func(nominal time.Time, clock ...time.Time) storage.Fire {
					t.Helper()
					c := claim(sampling.KindScheduled, nominal)
					c.Overlap, c.Now = tt.policy, clockAt(clock...)
					got, err := s.Settle(t.Context(), c, maker(t, s, sampling.KindScheduled, nominal))
					if err != nil {
						t.Fatal(err)
					}
					return got.Fire
				}
				settleAt(at(0), at(0), at(5))
				buffered := settleAt(at(2), at(5.1), at(5.2))
				settleAt(at(4), at(5.3), at(5.4))
				settleAt(at(6), at(6), at(6.1))
				if got := ledger(t, s); got != tt.want {
					t.Errorf("ledger = %s, want %s", got, tt.want)
				}
				if !strings.Contains(buffered.Message, "came due while the plan of the 2026-11-01T01:00:00.000Z fire was being made") {
					t.Errorf("message of the 01:00:02 fire = %q, want it to name the making it overlapped", buffered.Message)
				}
			})
		})
	}
}

// TestOverlapLive: on PostgreSQL, while one replica holds a plan
// transaction open, another cannot make a plan of the same schedule: with
// skip it records its fire as skipped at once, with buffer it waits (here
// until its lock wait runs out). The held plan then commits whole.
func TestOverlapLive(t *testing.T) {
	stores := replicas(t, storage.Postgres, 2)
	a, b := stores[0], stores[1]

	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		c := claim(sampling.KindScheduled, nominal)
		c.BeforeCommit = func(context.Context) error {
			close(holding)
			<-release
			return nil
		}
		_, err := a.Settle(context.Background(), c, maker(t, a, sampling.KindScheduled, nominal))
		done <- err
	}()
	<-holding

	next := nominal.Add(2 * time.Second)
	// The same fire: b waits for a's lock on it.
	same := claim(sampling.KindScheduled, nominal)
	same.LockWait = 100 * time.Millisecond
	if _, err := b.Settle(t.Context(), same, maker(t, b, sampling.KindScheduled, nominal)); !errors.Is(err, storage.ErrBusy) {
		t.Errorf("Settle(the fire being made elsewhere) = %v, want ErrBusy", err)
	}
	buffered := claim(sampling.KindScheduled, next)
	buffered.LockWait = 100 * time.Millisecond
	if _, err := b.Settle(t.Context(), buffered, maker(t, b, sampling.KindScheduled, next)); !errors.Is(err, storage.ErrBusy) {
		t.Errorf("Settle(buffer) while another plan is being made = %v, want ErrBusy after the lock wait", err)
	}
	skip := claim(sampling.KindScheduled, next)
	skip.Overlap = sampling.OverlapSkip
	got, err := b.Settle(t.Context(), skip, func(sampling.DrawRecord) (sampling.Plan, error) {
		t.Error("draw called for a fire that overlaps a making")
		return sampling.Plan{}, nil
	})
	if err != nil || got.Fire.Status != sampling.FireSkipped || !strings.Contains(got.Fire.Message, "overlap policy skip") {
		t.Errorf("Settle(skip) while another plan is being made = %+v, %v; want skipped", got.Fire, err)
	}
	// Pausing waits for the making too.
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := b.SetPaused(ctx, schedule, true, "x", "y"); err == nil {
		t.Error("SetPaused while a plan is being made returned at once, want it to wait")
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatalf("held Settle: %v", err)
	}
	if l := ledger(t, b); l != "01:00:00 made, 01:00:02 skipped" {
		t.Errorf("ledger = %s, want the held fire made and the overlapping one skipped", l)
	}
	if plans, tasks := countRows(t, b); plans != 1 || tasks != 3 {
		t.Errorf("%d plans, %d tasks; want the held plan whole: 1, 3", plans, tasks)
	}
}

// TestMissedWhileAnotherMakes: on PostgreSQL, a fire that the catch-up
// policy left out is recorded as missed with its own reason while another
// replica makes a newer plan of the schedule, even with overlap policy
// skip: only a fire to make can overlap a making. (Recording it used to
// try the schedule's lock and call the busy lock an overlap.)
func TestMissedWhileAnotherMakes(t *testing.T) {
	stores := replicas(t, storage.Postgres, 2)
	a, b := stores[0], stores[1]
	newest := nominal.Add(10 * time.Second)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		c := claim(sampling.KindCatchUp, newest)
		c.Overlap = sampling.OverlapSkip
		c.BeforeCommit = func(context.Context) error {
			close(holding)
			<-release
			return nil
		}
		_, err := a.Settle(context.Background(), c, maker(t, a, sampling.KindCatchUp, newest))
		done <- err
	}()
	<-holding
	missed := claim(sampling.KindCatchUp, nominal)
	missed.Overlap, missed.Status = sampling.OverlapSkip, sampling.FireMissed
	missed.Message, missed.Reason = "catch_up policy latest makes only the newest due fire", sampling.FireReasonCatchUp
	settled := make(chan storage.Settled, 1)
	go func() {
		got, err := b.Settle(t.Context(), missed, maker(t, b, sampling.KindCatchUp, nominal))
		if err != nil {
			t.Error(err)
		}
		settled <- got
	}()
	// b settles at once (the old way) or waits for a's lock on the
	// schedule; a lets its plan commit either way.
	got, received := settledOrWaiting(t, a, settled)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !received {
		got = <-settled
	}
	if f := got.Fire; f.Status != sampling.FireMissed || f.Reason != sampling.FireReasonCatchUp || f.Message != missed.Message {
		t.Errorf("Settle(missed fire while another replica makes a plan) = %s %q %q, want missed %q %q",
			f.Status, f.Reason, f.Message, sampling.FireReasonCatchUp, missed.Message)
	}
}

// TestReplicaSpans: each replica's span runs from its first sighting to
// its last; the spans returned start with the last one seen before since.
func TestReplicaSpans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		at := func(sec int) time.Time { return nominal.Add(time.Duration(sec) * time.Second) }
		for _, see := range []struct {
			id  string
			sec int
		}{{"old", 0}, {"old", 5}, {"a", 10}, {"a", 20}, {"b", 12}, {"b", 25}, {"c", 90}} {
			if err := s.SeeReplica(t.Context(), see.id, at(see.sec)); err != nil {
				t.Fatal(err)
			}
		}
		spans, err := s.ReplicaSpans(t.Context(), at(30))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sp := range spans {
			got = append(got, fmt.Sprintf("%v-%v", sp.Started.Sub(nominal).Seconds(), sp.Seen.Sub(nominal).Seconds()))
		}
		if want := "12-25 90-90"; strings.Join(got, " ") != want {
			t.Errorf("ReplicaSpans(since 30s) = %v, want %s", got, want)
		}
	})
}

// TestSettleReplicas: writers on separate connection pools race to settle
// the same fire; one plan results and all see the same ledger row.
func TestSettleReplicas(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			stores := replicas(t, backend, 4)
			var wg sync.WaitGroup
			var mu sync.Mutex
			fresh, ids := 0, map[int64]bool{}
			for _, s := range stores {
				for range 2 {
					wg.Go(func() {
						got, err := s.Settle(context.Background(), claim(sampling.KindScheduled, nominal), maker(t, s, sampling.KindScheduled, nominal))
						if err != nil {
							t.Errorf("Settle: %v", err)
							return
						}
						mu.Lock()
						defer mu.Unlock()
						ids[got.Fire.ID] = true
						if got.Fresh {
							fresh++
						}
					})
				}
			}
			wg.Wait()
			if fresh != 1 || len(ids) != 1 {
				t.Errorf("8 racing writers: %d made the fire, %d distinct rows; want 1, 1", fresh, len(ids))
			}
			if plans, _ := countRows(t, stores[0]); plans != 1 {
				t.Errorf("%d plans, want 1", plans)
			}
		})
	}
}

func TestDatabaseClock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		now, err := s.Now(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(now); d < -time.Minute || d > time.Minute {
			t.Errorf("Now() = %v, %v from this machine's clock; want the same machine's time", now, d)
		}
	})
}

// TestClaimServe: a second serve on one SQLite file is refused, naming the
// first; once released, the file can be claimed again.
func TestClaimServe(t *testing.T) {
	stores := openPools(t, "sqlite:"+filepath.Join(t.TempDir(), "spotcheck.db"), 2, false)
	first, second := stores[0], stores[1]
	release, err := first.ClaimServe("pid 1 on host-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.ClaimServe("pid 2 on host-a"); !errors.Is(err, storage.ErrServed) || !strings.Contains(err.Error(), "pid 1 on host-a") {
		t.Errorf("second ClaimServe = %v, want ErrServed naming pid 1", err)
	}
	release()
	again, err := second.ClaimServe("pid 2 on host-a")
	if err != nil {
		t.Errorf("ClaimServe after release = %v, want nil", err)
	} else {
		again()
	}
}

// TestStartSchedule: the first replica to run a schedule records its start;
// later ones get the same.
func TestStartSchedule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		first, err := s.StartSchedule(t.Context(), schedule, clockAt(nominal))
		if err != nil || !first.Equal(nominal) {
			t.Fatalf("StartSchedule() = %v, %v; want %v", first, err, nominal)
		}
		later, err := s.StartSchedule(t.Context(), schedule, nil)
		if err != nil || !later.Equal(nominal) {
			t.Errorf("StartSchedule() again = %v, %v; want the first start %v", later, err, nominal)
		}
		other, err := s.StartSchedule(t.Context(), "other", nil)
		if err != nil || time.Since(other) > time.Minute {
			t.Errorf("StartSchedule(other) = %v, %v; want the database's time now", other, err)
		}
	})
}

// settledOrWaiting waits until another settle's result arrives on settled
// (received true) or a's database shows a transaction waiting for a lock
// (received false), whichever comes first.
func settledOrWaiting[T any](t *testing.T, a *storage.Store, settled <-chan T) (got T, received bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case got = <-settled:
			return got, true
		case <-tick.C:
			if n, err := a.LockWaiters(t.Context()); err != nil {
				t.Fatal(err)
			} else if n > 0 {
				return got, false
			}
		}
	}
}
