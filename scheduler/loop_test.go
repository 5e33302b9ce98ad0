package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// ledger renders the fires of textiles-10s as "mm:ss status", oldest first.
func ledger(t *testing.T, store *storage.Store) string {
	t.Helper()
	fires, err := storagetest.Fires(t.Context(), store, "textiles-10s", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range fires {
		parts = append(parts, f.NominalTime.UTC().Format("04:05")+" "+string(f.Status))
	}
	return strings.Join(parts, ", ")
}

// metric returns the value of the series of family name whose labels
// include labels (name=value pairs): a gauge's or counter's value, or a
// histogram's sample count.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.Metric {
			if hasLabels(m, labels) {
				total += m.GetGauge().GetValue() + m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return total
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.Label {
			found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
		}
		if !found {
			return false
		}
	}
	return true
}

// start runs a scheduler on the synctest clock for the test config.
func start(t *testing.T, store *storage.Store, policy string, opts scheduler.Options) (*scheduler.Scheduler, *prometheus.Registry) {
	t.Helper()
	opts.Now = time.Now
	reg := prometheus.NewRegistry()
	sched, err := scheduler.New(newConfig(t, policy), store, reg, storagetest.Logger(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	sched.Start(t.Context())
	t.Cleanup(sched.Stop)
	return sched, reg
}

// TestPauseAndResume: fires while paused are recorded as skipped, the paused
// gauge shows it, and after resume fires are made again.
func TestPauseAndResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		sched, reg := start(t, store, "latest", scheduler.Options{})
		time.Sleep(15 * time.Second)
		if _, _, err := store.SetPaused(t.Context(), "textiles-10s", true, "registry audit", "cli:ops"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		if got := metric(t, reg, "spotcheck_schedule_paused", "schedule", "textiles-10s"); got != 1 {
			t.Errorf("spotcheck_schedule_paused while paused = %v, want 1", got)
		}
		time.Sleep(10 * time.Second)
		if _, _, err := store.SetPaused(t.Context(), "textiles-10s", false, "", "cli:ops"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		sched.Stop()
		if got, want := ledger(t, store), "00:00 made, 00:10 made, 00:20 skipped, 00:30 skipped, 00:40 made"; got != want {
			t.Errorf("ledger = %s, want %s", got, want)
		}
		if got := metric(t, reg, "spotcheck_schedule_paused", "schedule", "textiles-10s"); got != 0 {
			t.Errorf("spotcheck_schedule_paused after resume = %v, want 0", got)
		}
		fires, _ := storagetest.Fires(t.Context(), store, "textiles-10s", time.Time{})
		if msg := fires[2].Message; !strings.Contains(msg, "paused by cli:ops") || !strings.Contains(msg, "registry audit") || !strings.Contains(msg, "+08:00:") {
			t.Errorf("skipped fire's message = %q, want who paused, when (in the schedule's zone, Asia/Shanghai) and why", msg)
		}
		if r := fires[2].Reason; r != sampling.FireReasonPaused {
			t.Errorf("skipped fire's reason = %q, want %q", r, sampling.FireReasonPaused)
		}
	})
}

// TestFailingFireRetriesUntilItsDeadline: a fire whose plan cannot be drawn
// is retried with backoff until the next fire, then recorded as failed; once
// the registry is fixed, fires are made again, the retried one included.
func TestFailingFireRetriesUntilItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		cfg := newConfig(t, "latest")
		cfg.Schedules[0].InspectorsPerTask = 3 // two inspectors exist
		reg := prometheus.NewRegistry()
		sched, err := scheduler.New(cfg, store, reg, storagetest.Logger(t), scheduler.Options{Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		sched.Start(t.Context())
		defer sched.Stop()
		// Each fire fails 5 times, at :00, :01, :03, :07 and :10; the 00:20
		// fire fails at 00:20, 00:21 and 00:23.
		time.Sleep(25 * time.Second)
		if err := store.UpsertInspectors(t.Context(), []sampling.Inspector{{ID: "I003", Name: "丙", County: "姑苏区", Industries: []string{"textiles"}}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // retried at 00:27, made; 00:30 made
		sched.Stop()
		if got, want := ledger(t, store), "00:00 failed, 00:10 failed, 00:20 made, 00:30 made"; got != want {
			t.Errorf("ledger = %s, want %s", got, want)
		}
		fires, _ := storagetest.Fires(t.Context(), store, "textiles-10s", time.Time{})
		if msg := fires[0].Message; !strings.Contains(msg, "gave up at its deadline 2000-01-01T08:00:10+08:00 after 5 attempts") || !strings.Contains(msg, "eligible inspectors") {
			t.Errorf("failed fire's message = %q, want the deadline, the attempts and the draw's reason", msg)
		}
		if made := fires[2]; made.RecordedAt.Sub(made.NominalTime) != 7*time.Second {
			t.Errorf("00:20 fire made %v after its time, want 7s (retries after 1s, 2s and 4s)", made.RecordedAt.Sub(made.NominalTime))
		}
		for result, want := range map[string]float64{"error": 13, "failed": 2, "made": 2} {
			if got := metric(t, reg, "spotcheck_schedule_runs_total", "result", result); got != want {
				t.Errorf("spotcheck_schedule_runs_total{result=%q} = %v, want %v", result, got, want)
			}
		}
	})
}

// TestStop: Stop lets a plan being made commit within the stop timeout, and
// rolls it back after; either way the plan is whole or absent.
func TestStop(t *testing.T) {
	for _, tt := range []struct {
		name   string
		making time.Duration // how long the plan's transaction stays open
		want   string
	}{
		{"plan commits", 3 * time.Second, "00:00 made"},
		{"plan rolls back", time.Minute, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := storagetest.Open(t, storage.SQLite)
				seed(t, store)
				holding := make(chan struct{}, 1)
				sched, _ := start(t, store, "latest", scheduler.Options{
					BeforeCommit: func(ctx context.Context, _ string, _ time.Time) error {
						holding <- struct{}{}
						select {
						case <-time.After(tt.making):
							return nil
						case <-ctx.Done():
							return ctx.Err()
						}
					},
				})
				<-holding
				began := time.Now()
				sched.Stop()
				if got := time.Since(began); got > 10*time.Second {
					t.Errorf("Stop took %v, want at most the stop timeout of 10s", got)
				}
				if got := ledger(t, store); got != tt.want {
					t.Errorf("ledger after Stop = %q, want %q", got, tt.want)
				}
				plans, err := store.Plans(t.Context(), storage.PlanFilter{WithTasks: true})
				if err != nil {
					t.Fatal(err)
				}
				if tt.want == "" && len(plans) != 0 || tt.want != "" && (len(plans) != 1 || len(plans[0].Tasks) != 3) {
					t.Errorf("after Stop: %d plans (%+v), want %s", len(plans), plans, tt.name)
				}
			})
		})
	}
}

// TestScheduleMetrics: after a few fires, the metrics say what happened and
// what comes next.
func TestScheduleMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		sched, reg := start(t, store, "latest", scheduler.Options{})
		time.Sleep(25 * time.Second)
		sched.Stop()
		start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // synctest's epoch
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"spotcheck_schedule_runs_total", []string{"result", "made", "kind", "scheduled"}, 3},
			{"spotcheck_schedule_lag_seconds", nil, 3},
			{"spotcheck_schedule_run_duration_seconds", nil, 3},
			{"spotcheck_schedule_missed_fires_total", nil, 0},
			{"spotcheck_schedule_interval_seconds", nil, 10},
			{"spotcheck_schedule_next_fire_timestamp_seconds", nil, float64(start.Add(30 * time.Second).Unix())},
			{"spotcheck_schedule_last_success_timestamp_seconds", nil, float64(start.Add(20 * time.Second).Unix())},
			{"spotcheck_schedule_paused", nil, 0},
		} {
			if got := metric(t, reg, c.name, append([]string{"schedule", "textiles-10s"}, c.labels...)...); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
	})
}

// TestManualFire: a manual fire at the very time of a scheduled one has its
// own ledger row, with who asked; the scheduled fire is still made.
func TestManualFire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		sched, _ := start(t, store, "latest", scheduler.Options{})
		plan, made, err := sched.Fire(t.Context(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindManual, NominalTime: time.Now(), RequestedBy: "cli:ops"})
		if err != nil || !made || plan.Kind != sampling.KindManual {
			t.Fatalf("Fire(manual) = %+v, %v, %v; want a manual plan made", plan, made, err)
		}
		time.Sleep(time.Second)
		sched.Stop()
		fires, _ := storagetest.Fires(t.Context(), store, "textiles-10s", time.Time{})
		kinds := map[string]string{}
		for _, f := range fires {
			kinds[f.Kind] = string(f.Status) + " " + f.RequestedBy
		}
		if len(fires) != 2 || kinds[sampling.KindManual] != "made cli:ops" || kinds[sampling.KindScheduled] != "made " {
			t.Errorf("ledger = %+v, want the scheduled and the manual fire made, the manual one by cli:ops", fires)
		}
		if _, _, err := store.SetPaused(t.Context(), "textiles-10s", true, "audit", "cli:ops"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sched.Fire(t.Context(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindManual, NominalTime: time.Now(), RequestedBy: "cli:ops"}); !errors.Is(err, storage.ErrPaused) {
			t.Errorf("Fire(manual) of a paused schedule = %v, want storage.ErrPaused", err)
		}
	})
}

// TestFailedTickKeepsTheLoop: a tick that fails while the scheduler runs
// (the replica cannot be recorded: its table is away) does not end the
// loop; it is tried again with backoff (after 1, 2, 4, 8 and 15 s), and
// the try after the table is back settles the due fires.
func TestFailedTickKeepsTheLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		exec := func(q string) {
			t.Helper()
			if _, err := store.DB().ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		exec(`ALTER TABLE scheduler_replicas RENAME TO scheduler_replicas_away`)
		sched, _ := start(t, store, "latest", scheduler.Options{})
		time.Sleep(25 * time.Second) // ticks fail at 0, 1, 3, 7 and 15 s
		if got := ledger(t, store); got != "" {
			t.Errorf("ledger while ticks fail = %q, want none", got)
		}
		exec(`ALTER TABLE scheduler_replicas_away RENAME TO scheduler_replicas`)
		time.Sleep(10 * time.Second) // the try at 30 s settles 00:00 to 00:30
		sched.Stop()
		if got, want := ledger(t, store), "00:00 missed, 00:10 missed, 00:20 missed, 00:30 made"; got != want {
			t.Errorf("ledger = %s, want %s", got, want)
		}
	})
}

// TestDowntimeBeyondMaxDue: after a downtime of more due fires than one
// decision looks at (1000), the older ones are left out of the ledger,
// logged as a warning with their number and counted as missed with the ones
// recorded missed; only the newest is made (catch_up latest). Before the
// downtime, with none left out, no such warning is logged.
func TestDowntimeBeyondMaxDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		var logs storagetest.LogBuffer
		run := func(d time.Duration) *prometheus.Registry {
			reg := prometheus.NewRegistry()
			sched, err := scheduler.New(newConfig(t, "latest"), store, reg, slog.New(slog.NewJSONHandler(&logs, nil)), scheduler.Options{Now: time.Now})
			if err != nil {
				t.Fatal(err)
			}
			sched.Start(t.Context())
			time.Sleep(d)
			sched.Stop()
			return reg
		}
		const leftOut = `"msg":"fires too old to record"`
		run(5 * time.Second) // 00:00 made
		if n := strings.Count(logs.String(), leftOut); n != 0 {
			t.Errorf("%d warnings of fires left out before the downtime, want none", n)
		}
		// Down from 00:10: 1008 fires of 10 s are due at 02:48:00 (00:10 to
		// 02:48:00); the loop restarts at 02:48:05.
		time.Sleep(2*time.Hour + 48*time.Minute)
		reg := run(time.Second)
		if n, c := strings.Count(logs.String(), leftOut), strings.Count(logs.String(), `"count":8,`); n != 1 || c != 1 {
			t.Errorf("%d warnings of fires left out after the downtime, %d with count 8; want 1\n%s", n, c, logs.String())
		}
		fires, err := storagetest.Fires(t.Context(), store, "textiles-10s", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		made, missed := 0, 0
		for _, f := range fires {
			switch f.Status {
			case sampling.FireMade:
				made++
			case sampling.FireMissed:
				missed++
			}
		}
		if len(fires) != 1001 || made != 2 || missed != 999 {
			t.Errorf("ledger: %d fires, %d made, %d missed; want 1001: 00:00 and 02:48:00 made, the 999 before it missed", len(fires), made, missed)
		}
		if got := metric(t, reg, "spotcheck_schedule_missed_fires_total", "schedule", "textiles-10s"); got != 1007 {
			t.Errorf("missed fires counted = %v, want 1007 (8 left out, 999 recorded)", got)
		}
	})
}

// TestLastSuccessFromTheLedger: a replica that did not make the last plan
// still shows when it was made, read from the ledger at its next tick.
func TestLastSuccessFromTheLedger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		maker, _ := start(t, store, "latest", scheduler.Options{})
		time.Sleep(5 * time.Second) // 00:00 made
		maker.Stop()
		fires, err := storagetest.Fires(t.Context(), store, "textiles-10s", time.Time{})
		if err != nil || len(fires) != 1 || fires[0].Status != sampling.FireMade {
			t.Fatalf("ledger = %+v, %v; want 00:00 made", fires, err)
		}
		other, reg := start(t, store, "latest", scheduler.Options{})
		time.Sleep(time.Second) // one tick, no fire due
		other.Stop()
		want := float64(fires[0].RecordedAt.UnixMilli()) / 1000
		if got := metric(t, reg, "spotcheck_schedule_last_success_timestamp_seconds", "schedule", "textiles-10s"); got != want {
			t.Errorf("last success on the other replica = %v, want %v (the ledger's)", got, want)
		}
	})
}
