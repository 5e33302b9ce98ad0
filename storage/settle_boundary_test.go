package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestOverlapBufferedFireDueWhenMakingStarted: with overlap policy buffer,
// a fire due exactly when the making it overlaps began is the one fire
// buffered (the buffered fire's lower bound, nominal_time >= started_at, is
// inclusive): a later fire overlapping the same making is skipped, naming
// it.
func TestOverlapBufferedFireDueWhenMakingStarted(t *testing.T) {
	at := func(sec float64) time.Time { return nominal.Add(time.Duration(sec * float64(time.Second))) }
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		settleAt := func(nominal time.Time, clock ...time.Time) storage.Fire {
			t.Helper()
			c := claim(sampling.KindScheduled, nominal)
			c.Overlap, c.Now = sampling.OverlapBuffer, clockAt(clock...)
			got, err := s.Settle(t.Context(), c, maker(t, s, sampling.KindScheduled, nominal))
			if err != nil {
				t.Fatal(err)
			}
			return got.Fire
		}
		// The 01:00:00 fire's making began at 01:00:01 and ended at 01:00:05.
		settleAt(at(0), at(1), at(5))
		// The 01:00:01 fire came due exactly when that making began: buffered.
		buffered := settleAt(at(1), at(5.1), at(5.2))
		// The 01:00:02 fire overlaps the same making: the buffer is taken.
		later := settleAt(at(2), at(5.3), at(5.4))
		if got, want := ledger(t, s), "01:00:00 made, 01:00:01 made, 01:00:02 skipped"; got != want {
			t.Errorf("ledger = %s, want %s", got, want)
		}
		during := "came due while the plan of the 2026-11-01T01:00:00.000Z fire was being made (2026-11-01T01:00:01.000Z to 2026-11-01T01:00:05.000Z)"
		if want := during + "; made after it (overlap policy buffer)"; buffered.Message != want {
			t.Errorf("message of the 01:00:01 fire = %q, want %q", buffered.Message, want)
		}
		if want := during + "; the 2026-11-01T01:00:01.000Z fire was buffered already (overlap policy buffer holds one)"; later.Message != want || later.Reason != sampling.FireReasonOverlap {
			t.Errorf("01:00:02 fire = %q (reason %q), want %q (reason %q)", later.Message, later.Reason, want, sampling.FireReasonOverlap)
		}
	})
}

// TestSettleWithoutLockWaitWaitsForAMaking: on PostgreSQL, a claim that
// gives no lock wait waits for another replica's making by the default
// wait (30 s), not a moment: the fire that came due during the making
// waits for its lock, and is buffered once the making commits. (On SQLite
// the claim's lock wait does not apply: the transaction waits for the
// database's write lock.)
func TestSettleWithoutLockWaitWaitsForAMaking(t *testing.T) {
	stores := replicas(t, storage.Postgres, 2)
	a, b := stores[0], stores[1]
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		c := claim(sampling.KindScheduled, nominal)
		c.Now = clockAt(nominal, nominal.Add(5*time.Second))
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
	type result struct {
		got storage.Settled
		err error
	}
	settled := make(chan result, 1)
	go func() {
		c := claim(sampling.KindScheduled, next)
		c.Now = clockAt(nominal.Add(5100 * time.Millisecond))
		got, err := b.Settle(t.Context(), c, maker(t, b, sampling.KindScheduled, next))
		settled <- result{got, err}
	}()
	// b waits for a's lock on the schedule (or, with a lock wait of a
	// moment, has given up already); a then commits.
	r, received := settledOrWaiting(t, a, settled)
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("held Settle: %v", err)
	}
	if !received {
		r = <-settled
	}
	if r.err != nil {
		t.Fatalf("Settle(no lock wait) while another replica made a plan = %v, want it to wait for the making (errors.Is ErrBusy: %v)", r.err, errors.Is(r.err, storage.ErrBusy))
	}
	if f := r.got.Fire; !r.got.Fresh || f.Status != sampling.FireMade || f.Message != "came due while the plan of the 2026-11-01T01:00:00.000Z fire was being made (2026-11-01T01:00:00.000Z to 2026-11-01T01:00:05.000Z); made after it (overlap policy buffer)" {
		t.Errorf("Settle(no lock wait) after the making = %s %q (fresh %v), want made, buffered after it", f.Status, f.Message, r.got.Fresh)
	}
	if got, want := ledger(t, b), "01:00:00 made, 01:00:02 made"; got != want {
		t.Errorf("ledger = %s, want %s", got, want)
	}
}
