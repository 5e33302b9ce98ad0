package scheduler_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestOutageReasons runs three replicas of a 10-second schedule (catch_up
// latest, overlap skip) on the synctest clock, each with a connection pool
// of its own. All three stop after the 00:20 fire; the fires from 00:30 to
// 01:50 come due with none running; all three restart together at 01:55.
// The newest due fire is made on time; every other fire of the outage is
// missed with the true reason: no replica was running at its time, how late
// it was settled, and that catch_up latest makes only the newest due fire.
// (Fires within the grace used to read "not settled within 1m0s", and a
// replica recording one while another held the schedule's lock called it
// an overlap.)
func TestOutageReasons(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stores := replicaStores(t, backend, 3)
				cfg := newConfig(t, "latest")
				cfg.Schedules[0].Overlap = "skip"
				startAll := func() []*scheduler.Scheduler {
					var scheds []*scheduler.Scheduler
					for _, store := range stores {
						s, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: time.Now})
						if err != nil {
							t.Fatal(err)
						}
						s.Start(t.Context())
						scheds = append(scheds, s)
					}
					return scheds
				}
				stopAll := func(scheds []*scheduler.Scheduler) {
					for _, s := range scheds {
						s.Stop()
					}
				}
				scheds := startAll()
				time.Sleep(25 * time.Second) // 00:00, 00:10, 00:20 made
				stopAll(scheds)
				time.Sleep(90 * time.Second) // all down until 01:55
				scheds = startAll()
				time.Sleep(10 * time.Second) // 02:00 made
				stopAll(scheds)

				want := []string{"00:00 scheduled made", "00:10 scheduled made", "00:20 scheduled made"}
				shanghai := cfg.Location
				wall := func(mmss string) string { // a synctest time in the configured zone
					d, _ := time.ParseDuration(strings.Replace(mmss, ":", "m", 1) + "s")
					return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).In(shanghai).Format(time.RFC3339)
				}
				for sec := 30; sec < 110; sec += 10 {
					late := 115 - sec
					grace := "(more than the grace of 1m0s)"
					if late <= 60 {
						grace = "(within the grace of 1m0s), when a newer fire was due too"
					}
					want = append(want, fmt.Sprintf("%02d:%02d catch_up missed %s: no replica was running at its time "+
						"(the last one seen before it at %s, the next started at %s); settled %s after its time %s: "+
						"catch_up policy latest makes only the newest due fire, at %s",
						sec/60, sec%60, sampling.FireReasonDown, wall("00:20"), wall("01:55"), time.Duration(late)*time.Second, grace, wall("01:50")))
				}
				want = append(want, "01:50 scheduled made", "02:00 scheduled made")

				fires, err := storagetest.Fires(t.Context(), stores[0], "textiles-10s", time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fires {
					line := f.NominalTime.UTC().Format("04:05") + " " + f.Kind + " " + string(f.Status)
					if f.Status != sampling.FireMade {
						line += " " + f.Reason + ": " + f.Message
					}
					got = append(got, line)
				}
				if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
					t.Errorf("ledger after the outage:\n%s\nwant:\n%s", g, w)
				}
				plans, err := stores[0].Plans(t.Context(), storage.PlanFilter{Schedule: "textiles-10s", Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if len(plans) != 5 {
					t.Errorf("%d plans, want 5 (one per made fire)", len(plans))
				}
			})
		})
	}
}
