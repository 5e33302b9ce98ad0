package chores_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"spotcheck/chores"
	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

func testCfg(t *testing.T) *config.Config {
	t.Helper()
	cfg := config.Default()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Location = loc
	return cfg
}

// quiet drops the time from log lines, so that tests compare them whole.
func quiet(w interface{ Write([]byte) (int, error) }) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// TestRefreshFinalizes: a refresh that makes results final logs how many,
// once, and its snapshot shows them final; one that finalizes none logs
// nothing. The first refresh after the objection period's last day is the
// one.
func TestRefreshFinalizes(t *testing.T) {
	cfg := testCfg(t)
	s := storagetest.Open(t, storage.SQLite)
	recorded := time.Date(2026, 11, 5, 10, 0, 0, 0, cfg.Location)
	tasks := storagetest.Plan(t, s, 2, recorded.AddDate(0, 0, -1))
	rs := []sampling.Result{{TaskID: tasks[0].ID, Outcome: sampling.OutcomePass, TestedOn: "2026-11-05"}, {TaskID: tasks[1].ID, Outcome: sampling.OutcomePass, TestedOn: "2026-11-05"}}
	if _, err := s.RecordResults(t.Context(), rs, recorded); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	now := time.Date(2026, 11, 20, 23, 59, 0, 0, cfg.Location) // the objection period's last day
	clock := func() time.Time { return now }
	mon := monitor.New(cfg, s, clock, storagetest.Logger(t))
	c := chores.New(cfg, s, mon, quiet(&logs), chores.Options{Now: clock})
	for _, step := range []struct {
		now   time.Time
		want  string
		final int
	}{
		{now, "", 0},
		{time.Date(2026, 11, 21, 0, 0, 0, 0, cfg.Location), "level=INFO msg=\"results final\" component=chores count=2\n", 2},
		{time.Date(2026, 11, 21, 0, 1, 0, 0, cfg.Location), "", 2},
	} {
		logs.Reset()
		now = step.now
		if err := c.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := logs.String(); got != step.want {
			t.Errorf("refresh at %s logged %q, want %q", now.Format(time.DateTime), got, step.want)
		}
		final := 0
		for _, r := range mon.Report("", sampling.RateOptions{FinalOnly: true}).Rates {
			if r.Window == cfg.Windows[0] {
				final += r.Batches
			}
		}
		if final != step.final {
			t.Errorf("after the refresh at %s the snapshot has %d final batches, want %d", now.Format(time.DateTime), final, step.final)
		}
	}
}

// TestClosePlans: plans close when their due date has passed, once.
func TestClosePlans(t *testing.T) {
	cfg := testCfg(t)
	s := storagetest.Open(t, storage.SQLite)
	planDay := time.Date(2026, 11, 1, 9, 0, 0, 0, cfg.Location)
	storagetest.Plan(t, s, 2, planDay)
	now := planDay.AddDate(0, 0, 30) // the tasks' due day: still open
	c := chores.New(cfg, s, monitor.New(cfg, s, func() time.Time { return now }, storagetest.Logger(t)), storagetest.Logger(t),
		chores.Options{Now: func() time.Time { return now }})
	for _, step := range []struct {
		now  time.Time
		want int
	}{{now, 0}, {now.AddDate(0, 0, 1), 1}, {now.AddDate(0, 0, 2), 0}} {
		now = step.now
		ids, err := c.ClosePlans(t.Context())
		if err != nil || len(ids) != step.want {
			t.Errorf("ClosePlans on %s = %v, %v; want %d plans", now.Format(time.DateOnly), ids, err, step.want)
		}
	}
}

// TestStartLogsFailures: while they run, failed chores are logged as
// warnings and tried again at the next tick; Stop ends them.
func TestStartLogsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testCfg(t)
		s := storagetest.Open(t, storage.SQLite)
		s.Close() // every chore fails
		var logs storagetest.LogBuffer
		now := func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, cfg.Location) }
		c := chores.New(cfg, s, monitor.New(cfg, s, now, storagetest.Logger(t)), quiet(&logs),
			chores.Options{Now: now, Refresh: time.Second, Close: 2 * time.Second})
		c.Start(context.Background())
		time.Sleep(4*time.Second + time.Millisecond)
		synctest.Wait()
		c.Stop()
		c.Stop()
		got := logs.String()
		// Plans close at the start and every 2s; refreshes every 1s.
		for msg, want := range map[string]int{`msg="close plans"`: 3, `msg="refresh snapshot"`: 4} {
			if n := strings.Count(got, "level=WARN "+msg+" component=chores err="); n != want {
				t.Errorf("over 4s, %d warnings %s, want %d:\n%s", n, msg, want, got)
			}
		}
	})
}
