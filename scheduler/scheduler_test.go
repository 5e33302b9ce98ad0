package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

const testConfig = `
timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
schedules:
  - name: textiles-10s
    industry: textiles
    cron: "*/10 * * * * *"
    batches: 3
    no_repeat: 10s
    catch_up: %s
`

func newConfig(t *testing.T, policy string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", fmt.Appendf(nil, testConfig, policy))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func seed(t *testing.T, s *storage.Store) {
	t.Helper()
	var units []sampling.Unit
	for i := range 20 {
		body := fmt.Sprintf("91320500MA%07d", i)
		c, _ := sampling.CreditCodeCheck(body)
		units = append(units, sampling.Unit{CreditCode: body + string(c), Enterprise: fmt.Sprintf("企业%d", i),
			County: "吴江区", Industry: "textiles", Category: "garments", Risk: "B"})
	}
	if err := s.UpsertUnits(t.Context(), units); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertInspectors(t.Context(), []sampling.Inspector{
		{ID: "I001", Name: "甲", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I002", Name: "乙", County: "姑苏区", Industries: []string{"textiles"}},
	}); err != nil {
		t.Fatal(err)
	}
}

// TestLoopMakesEachFireOnce runs the loop for a virtual minute and a half:
// every 10-second fire yields exactly one plan, with a ledger row.
func TestLoopMakesEachFireOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := storagetest.Open(t, storage.SQLite)
		seed(t, store)
		start := time.Now()
		sched, err := scheduler.New(newConfig(t, "latest"), store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		sched.Start(t.Context())
		time.Sleep(95 * time.Second)
		sched.Stop()
		sched.Stop() // idempotent

		fires, err := storagetest.Fires(t.Context(), store, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for t := start; !t.After(start.Add(95 * time.Second)); t = t.Add(time.Second) {
			if t.Second()%10 == 0 {
				want++
			}
		}
		if len(fires) != want {
			t.Fatalf("ledger has %d fires after 95s of a 10s schedule, want %d", len(fires), want)
		}
		for i, f := range fires {
			if f.Status != sampling.FireMade || f.Kind != sampling.KindScheduled || f.NominalTime.Second()%10 != 0 {
				t.Errorf("fire %d = %+v, want a scheduled fire made on a 10s boundary", i, f)
			}
		}
		plans, err := store.Plans(t.Context(), storage.PlanFilter{WithTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(plans) != want {
			t.Errorf("%d plans, want %d", len(plans), want)
		}
	})
}

// TestCatchUpAfterDowntime starts a scheduler whose ledger stops an hour
// ago: each policy fills the gap as documented.
func TestCatchUpAfterDowntime(t *testing.T) {
	for _, tt := range []struct {
		policy       string
		made, missed int
	}{
		{config.CatchUpNone, 0, 360},
		{config.CatchUpLatest, 1, 359},
		{config.CatchUpAll, 10, 350},
	} {
		t.Run(tt.policy, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := storagetest.Open(t, storage.SQLite)
				seed(t, store)
				// Virtual time starts on a whole second; move off the fire boundary.
				time.Sleep(5 * time.Second)
				now := time.Now()
				last := now.Add(-time.Hour).Truncate(10 * time.Second)
				// The last fire in the ledger, an hour ago (missed: no plan
				// is needed for it).
				if _, err := store.Settle(t.Context(), storage.Claim{Schedule: "textiles-10s", NominalTime: last,
					Kind: sampling.KindScheduled, Status: sampling.FireMissed}, nil); err != nil {
					t.Fatal(err)
				}
				// With a grace of 2s, the fire 5s ago is late too.
				sched, err := scheduler.New(newConfig(t, tt.policy), store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: time.Now, Grace: 2 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				sched.Start(t.Context())
				time.Sleep(time.Second) // less than the next fire
				sched.Stop()
				fires, err := storagetest.Fires(t.Context(), store, "textiles-10s", last.Add(time.Second))
				if err != nil {
					t.Fatal(err)
				}
				made, missed := 0, 0
				for _, f := range fires {
					switch f.Status {
					case sampling.FireMade:
						made++
						if f.Kind != sampling.KindCatchUp {
							t.Errorf("made fire %v has kind %s, want catch_up", f.NominalTime, f.Kind)
						}
					case sampling.FireMissed:
						missed++
					}
				}
				if made != tt.made || missed != tt.missed {
					t.Errorf("policy %s: %d made, %d missed; want %d, %d", tt.policy, made, missed, tt.made, tt.missed)
				}
			})
		})
	}
}

// replicaStores opens n stores, each with a connection pool of its own, on
// one fresh database of backend, migrated and seeded.
func replicaStores(t *testing.T, backend string, n int) []*storage.Store {
	t.Helper()
	url := storagetest.URL(t, backend)
	var stores []*storage.Store
	for i := range n {
		store, err := storage.Open(t.Context(), url, storagetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if i == 0 {
			if err := store.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			seed(t, store)
		}
		stores = append(stores, store)
	}
	return stores
}

// TestReplicasFireOnce has several schedulers, each with its own connection
// pool, fire the same nominal time concurrently: one plan results.
func TestReplicasFireOnce(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			var scheds []*scheduler.Scheduler
			for _, store := range replicaStores(t, backend, 3) {
				s, err := scheduler.New(newConfig(t, "latest"), store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: time.Now})
				if err != nil {
					t.Fatal(err)
				}
				scheds = append(scheds, s)
			}
			nominal := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			var mu sync.Mutex
			made := map[int64]bool{}
			for _, s := range scheds {
				for range 3 {
					wg.Go(func() {
						p, ok, err := s.Fire(context.Background(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindScheduled, NominalTime: nominal})
						if err != nil {
							t.Errorf("Fire: %v", err)
						}
						if ok {
							mu.Lock()
							made[p.ID] = true
							mu.Unlock()
						}
					})
				}
			}
			wg.Wait()
			if len(made) != 1 {
				t.Errorf("%d plans made for one fire by 9 concurrent callers, want 1", len(made))
			}
		})
	}
}

// TestDrawFailureIsRecorded: a schedule whose tasks cannot be staffed makes
// no plan and records the fire as failed with the reason.
func TestDrawFailureIsRecorded(t *testing.T) {
	store := storagetest.Open(t, storage.SQLite)
	seed(t, store)
	cfg := newConfig(t, "latest")
	cfg.Schedules[0].InspectorsPerTask = 3 // only two inspectors exist
	s, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Rand: bytes.NewReader(make([]byte, 64))})
	if err != nil {
		t.Fatal(err)
	}
	nominal := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	_, ok, err := s.Fire(t.Context(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindScheduled, NominalTime: nominal})
	var de *scheduler.DrawError
	if ok || !errors.As(err, &de) {
		t.Fatalf("Fire = %v, %v; want a *DrawError", ok, err)
	}
	fires, _ := storagetest.Fires(t.Context(), store, "", time.Time{})
	if len(fires) != 1 || fires[0].Status != sampling.FireFailed || fires[0].Message == "" {
		t.Errorf("ledger = %+v, want one failed fire with a message", fires)
	}
}

// TestManySchedulesAtOnce: a dozen schedules firing at the same moment all
// make their plans; makings do not take every connection of the pool and
// wait for one another.
func TestManySchedulesAtOnce(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			store := storagetest.Open(t, backend)
			seed(t, store)
			cfg := newConfig(t, "latest")
			// One task each, so that twelve draws at one moment fit in the
			// registry's 20 units without repeating a unit (no_repeat).
			cfg.Schedules[0].Batches = 1
			for i := range 11 {
				sc := cfg.Schedules[0]
				sc.Name = fmt.Sprintf("textiles-%d", i)
				cfg.Schedules = append(cfg.Schedules, sc)
			}
			s, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			nominal := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			for _, sc := range cfg.Schedules {
				wg.Go(func() {
					if _, made, err := s.Fire(ctx, scheduler.FireRequest{Schedule: sc.Name, Kind: sampling.KindScheduled, NominalTime: nominal}); err != nil || !made {
						t.Errorf("Fire(%s) = %v, %v; want made", sc.Name, made, err)
					}
				})
			}
			wg.Wait()
		})
	}
}
