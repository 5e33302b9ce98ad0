package scheduler_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// The tests in this file pin the bounds settle puts on a fire's retries:
// its deadline, and each wait for another replica's lock.

// leapConfig has a schedule that fires at midnight on 29 February, in
// Shanghai (which keeps no daylight saving): from 2096's fire, the next is
// in 2104 (2100 is no leap year), beyond the five years a cron spec's next
// fire is looked for.
const leapConfig = `
timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
schedules:
  - name: textiles-leap
    industry: textiles
    cron: "0 0 0 29 2 *"
    batches: 3
`

// TestFireDeadlineWithoutNextFireIs24Hours: a failing fire of a schedule
// with no next fire within five years (and no deadline of its own) is
// retried until 24 hours after its time: a nanosecond before, it is retried
// again; at 24 hours it is recorded as failed, naming that deadline.
func TestFireDeadlineWithoutNextFireIs24Hours(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := storagetest.Open(t, backend)
				seed(t, store)
				cfg, err := config.Parse("test.yaml", []byte(leapConfig))
				if err != nil {
					t.Fatal(err)
				}
				cfg.Schedules[0].InspectorsPerTask = 3 // two inspectors exist: every draw fails
				loc := cfg.Schedules[0].Location
				fire := time.Date(2096, 2, 29, 0, 0, 0, 0, loc)
				if next := cfg.Schedules[0].Spec.Next(fire); !next.IsZero() {
					t.Fatalf("next fire after %s = %s, want none within five years", fire, next)
				}
				deadline := fire.Add(24 * time.Hour)
				clock := &fakeClock{t: fire}
				sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: clock.now})
				if err != nil {
					t.Fatal(err)
				}
				sched.Start(t.Context())
				defer sched.Stop()
				fires := func() []storage.Fire {
					t.Helper()
					fs, err := storagetest.Fires(t.Context(), store, "textiles-leap", time.Time{})
					if err != nil {
						t.Fatal(err)
					}
					return fs
				}

				synctest.Wait() // the first attempt failed; the retry waits 1 s
				if fs := fires(); len(fs) != 0 {
					t.Fatalf("after the first attempt the ledger holds %+v, want the fire retried", fs[0])
				}
				clock.set(deadline.Add(-time.Nanosecond))
				time.Sleep(time.Second)
				synctest.Wait() // the second attempt failed a nanosecond before the deadline
				if fs := fires(); len(fs) != 0 {
					t.Fatalf("a nanosecond before the deadline the ledger holds %+v, want the fire retried", fs[0])
				}
				clock.set(deadline)
				time.Sleep(time.Nanosecond)
				synctest.Wait() // the third attempt failed at the deadline
				sched.Stop()
				fs := fires()
				if len(fs) != 1 {
					t.Fatalf("ledger = %+v, want the fire recorded as failed", fs)
				}
				f := fs[0]
				if f.Status != sampling.FireFailed || f.Reason != sampling.FireReasonDeadline || !f.NominalTime.Equal(fire) || !f.RecordedAt.Equal(deadline) ||
					!strings.HasPrefix(f.Message, "gave up at its deadline 2096-03-01T00:00:00+08:00 after 3 attempts: ") {
					t.Errorf("fire = %s %s at %s recorded %s: %q; want failed (%s) at %s, recorded %s, naming the deadline 2096-03-01T00:00:00+08:00 after 3 attempts",
						f.Status, f.Reason, f.NominalTime, f.RecordedAt, f.Message, sampling.FireReasonDeadline, fire, deadline)
				}
			})
		})
	}
}

// TestLockWaitEndsAtTheFiresDeadline: on PostgreSQL, a fire whose
// deadline is a second away waits at most a second for the schedule's lock
// that another replica holds while it makes a plan (the wait is the time
// to the deadline, from 1 s to 30 s), then is retried; it does not wait
// out the default 30 s. (On SQLite the lock wait does not apply: the
// transaction waits for the database's write lock.)
func TestLockWaitEndsAtTheFiresDeadline(t *testing.T) {
	stores := replicaStores(t, storage.Postgres, 2)
	a, b := stores[0], stores[1]
	fire := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	// The 09:00:00 fire is settled at 09:00:09: its deadline, the next
	// fire, is a second away.
	clock := &fakeClock{t: fire.Add(9 * time.Second)}
	if _, err := b.StartSchedule(t.Context(), "textiles-10s", func() time.Time { return fire }); err != nil {
		t.Fatal(err)
	}

	// Replica a holds the schedule's lock: a manual plan being made.
	holding, release := make(chan struct{}), make(chan struct{})
	held, err := scheduler.New(newConfig(t, "latest"), a, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: clock.now,
		BeforeCommit: func(context.Context, string, time.Time) error {
			close(holding)
			<-release
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := held.Fire(context.Background(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindManual, NominalTime: fire.Add(-time.Minute), RequestedBy: "cli:ops"})
		done <- err
	}()
	<-holding
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	t.Cleanup(letGo)

	// Replica b's loop settles the 09:00:00 fire and waits for the lock.
	var logs storagetest.LogBuffer
	reg := prometheus.NewRegistry()
	sched, err := scheduler.New(newConfig(t, "latest"), b, reg, slog.New(slog.NewJSONHandler(&logs, nil)), scheduler.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	sched.Start(t.Context())
	var stop sync.Once
	defer stop.Do(sched.Stop)

	// Until the attempt gives up. Should it not within 10 s of waiting
	// (far beyond the second it may wait, well within the default 30 s),
	// a lets go of the lock and b's attempt goes through.
	var waitingSince time.Time
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if metric(t, reg, "spotcheck_schedule_runs_total", "result", "error") > 0 || metric(t, reg, "spotcheck_schedule_runs_total", "result", "made") > 0 {
			break
		}
		var waiters int
		if err := b.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiters); err != nil {
			t.Fatal(err)
		}
		switch {
		case waiters > 0 && waitingSince.IsZero():
			waitingSince = time.Now()
		case !waitingSince.IsZero() && time.Since(waitingSince) > 10*time.Second:
			letGo()
		}
	}
	stop.Do(sched.Stop)
	letGo()

	var first struct {
		Msg      string
		Attempt  int
		RetryIn  int64 `json:"retry_in"`
		Deadline time.Time
		Err      string
	}
	for line := range strings.Lines(logs.String()) {
		if err := json.Unmarshal([]byte(line), &first); err != nil {
			t.Fatal(err)
		}
		if first.Msg == "fire not settled; retrying" {
			break
		}
		first.Msg = ""
	}
	if first.Msg == "" || first.Attempt != 1 || time.Duration(first.RetryIn) != time.Second || !first.Deadline.Equal(fire.Add(10*time.Second)) ||
		!strings.Contains(first.Err, storage.ErrBusy.Error()) {
		t.Errorf("first retry logged = %+v, want attempt 1, retry in 1s, deadline 09:00:10, the lock busy (%v)", first, storage.ErrBusy)
	}
	if err := <-done; err != nil {
		t.Errorf("held Fire: %v", err)
	}
	fires, err := storagetest.Fires(t.Context(), b, "textiles-10s", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fires) != 1 || fires[0].Kind != sampling.KindManual || fires[0].Status != sampling.FireMade {
		t.Errorf("ledger = %+v, want only the held manual fire, made: the 09:00:00 fire gave up its wait", fires)
	}
}
