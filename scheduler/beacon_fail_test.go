package scheduler_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/beacon"
	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestBeaconDrawFailsForGood: Freeze checks the frozen input with the zero
// seed, but which units are drawn depends on the seed, and so does whether
// each has an inspector. Here both inspectors are recused from one unit
// that the zero seed does not draw: the announcement is made, and a beacon
// value whose seed draws that unit cannot give a plan. That draw is
// recorded once and for good (the announcement with its beacon value and
// the reason, its fire as failed, counted as a failed run) instead of
// leaving the announcement awaiting a beacon that can never draw it; any
// later value is refused with ErrDrawn and no plan is ever stored.
func TestBeaconDrawFailsForGood(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			store := storagetest.Open(t, backend)
			seed(t, store)
			nominal := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			clock := &fakeClock{t: nominal}
			// The same design without a beacon, to see what the zero seed draws.
			cfg, err := config.Parse("test.yaml", fmt.Appendf(nil, beaconConfig+`  - name: textiles-plain
    industry: textiles
    cron: "0 9 1 * *"
    batches: 3
`, "https://relay.invalid"))
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			sched, err := scheduler.New(cfg, store, reg, storagetest.Logger(t), scheduler.Options{Now: clock.now})
			if err != nil {
				t.Fatal(err)
			}
			zero, err := sched.DryRun(ctx, scheduler.FireRequest{Schedule: "textiles-plain", Kind: sampling.KindScheduled, NominalTime: nominal,
				Seed: sampling.Seed{Bytes: make([]byte, sampling.SeedSize)}})
			if err != nil {
				t.Fatal(err)
			}
			var shunned string // a unit of seed's that the zero seed does not draw
			for i := range 20 {
				body := fmt.Sprintf("91320500MA%07d", i)
				c, _ := sampling.CreditCodeCheck(body)
				if code := body + string(c); !slices.ContainsFunc(zero.Tasks, func(tk sampling.Task) bool { return tk.CreditCode == code }) {
					shunned = code
					break
				}
			}
			if err := store.UpsertInspectors(ctx, []sampling.Inspector{
				{ID: "I001", Name: "甲", County: "姑苏区", Industries: []string{"textiles"}, Recusals: []string{shunned}},
				{ID: "I002", Name: "乙", County: "姑苏区", Industries: []string{"textiles"}, Recusals: []string{shunned}},
			}); err != nil {
				t.Fatal(err)
			}
			if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal}); err != nil || !made {
				t.Fatalf("Fire(textiles-lottery) = %v, %v; want an announcement (the zero seed draws no recused unit)", made, err)
			}
			// A value whose seed draws the unit nobody may inspect, and one
			// whose seed does not.
			var bad, good string
			for i := 0; i < 1000 && (bad == "" || good == ""); i++ {
				text := fmt.Sprintf("%03d", i)
				_, err := sched.DrawAnnounced(ctx, 1, beacon.Value{Kind: beacon.KindText, Text: text}, true)
				switch {
				case err == nil && good == "":
					good = text
				case errors.As(err, new(*scheduler.DrawError)) && bad == "":
					if !strings.Contains(err.Error(), shunned) || !strings.Contains(err.Error(), "0 eligible inspectors") {
						t.Fatalf("dry run with %s: %v; want the shortage of unit %s named", text, err, shunned)
					}
					bad = text
				case err != nil && !errors.As(err, new(*scheduler.DrawError)):
					t.Fatalf("dry run with %s: %v", text, err)
				}
			}
			if bad == "" || good == "" {
				t.Fatalf("among 1000 values none failed (%q) or none drew (%q)", bad, good)
			}
			if anns, _ := store.Announcements(ctx, storage.AnnouncementFilter{Awaiting: true}); len(anns) != 1 {
				t.Fatalf("%d announcements awaiting after dry runs, want 1", len(anns))
			}

			clock.set(nominal.Add(25 * time.Hour))
			_, err = sched.DrawAnnounced(ctx, 1, beacon.Value{Kind: beacon.KindText, Text: bad}, false)
			var drawErr *scheduler.DrawError
			if !errors.As(err, &drawErr) || !strings.Contains(err.Error(), shunned) {
				t.Fatalf("DrawAnnounced(%s) = %v, want a DrawError naming %s", bad, err, shunned)
			}
			anns, err := store.Announcements(ctx, storage.AnnouncementFilter{})
			if err != nil || len(anns) != 1 {
				t.Fatalf("announcements = %v, %v", anns, err)
			}
			a := anns[0]
			if a.Awaiting() || a.PlanID.Valid || a.DrawError == nil || !strings.Contains(*a.DrawError, shunned) ||
				a.Value == nil || a.Value.Text != bad || !a.DrawnAt.Valid || !a.DrawnAt.Time.Equal(nominal.Add(25*time.Hour)) {
				t.Errorf("announcement after the failed draw: awaiting %v, plan %v, error %v, value %+v, drawn at %v; want a failure with value %s at %s",
					a.Awaiting(), a.PlanID, a.DrawError, a.Value, a.DrawnAt, bad, nominal.Add(25*time.Hour))
			}
			fires, err := storagetest.Fires(ctx, store, "textiles-lottery", time.Time{})
			if err != nil || len(fires) != 1 {
				t.Fatalf("fires = %v, %v; want the one", fires, err)
			}
			if f := fires[0]; f.Status != sampling.FireFailed || f.Reason != sampling.FireReasonDraw ||
				!strings.HasPrefix(f.Message, "announcement 1; its plan could not be drawn with its beacon value") || !strings.Contains(f.Message, shunned) {
				t.Errorf("fire = %s (%s) %q; want failed (draw) with the reason", f.Status, f.Reason, f.Message)
			}
			if got := metric(t, reg, "spotcheck_schedule_runs_total", "schedule", "textiles-lottery", "kind", "scheduled", "result", "failed"); got != 1 {
				t.Errorf("runs_total{result=failed} = %v, want 1", got)
			}
			// Nothing draws it again: not the good value, not the bad one.
			for _, text := range []string{good, bad} {
				if _, err := sched.DrawAnnounced(ctx, 1, beacon.Value{Kind: beacon.KindText, Text: text}, false); !errors.Is(err, storage.ErrDrawn) ||
					!strings.Contains(err.Error(), "it failed") {
					t.Errorf("DrawAnnounced(%s) after the failure = %v, want ErrDrawn naming the failure", text, err)
				}
			}
			if _, err := store.FailAnnounced(ctx, 1, beacon.Value{Kind: beacon.KindText, Text: good}, errors.New("again"), clock.now); !errors.Is(err, storage.ErrDrawn) {
				t.Errorf("FailAnnounced(again) = %v, want ErrDrawn", err)
			}
			if plans, _ := store.Plans(ctx, storage.PlanFilter{}); len(plans) != 0 {
				t.Errorf("%d plans after the failed draw, want none", len(plans))
			}
			if err := sched.PollBeacons(ctx); err != nil {
				t.Fatal(err)
			}
			if got := metric(t, reg, "spotcheck_announcements_awaiting_beacon", "schedule", "textiles-lottery"); got != 0 {
				t.Errorf("awaiting_beacon = %v after the failed draw, want 0", got)
			}
			if got := metric(t, reg, "spotcheck_beacon_wait_seconds", "schedule", "textiles-lottery"); got != 0 {
				t.Errorf("beacon_wait_seconds = %v after the failed draw, want 0", got)
			}
		})
	}
}
