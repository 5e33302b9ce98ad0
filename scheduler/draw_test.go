package scheduler_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestFireWithPublicSeed checks a ceremony: the seed is the SHA-256 of the
// public text, stored with it, and the plan re-derives from stored data.
func TestFireWithPublicSeed(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			store := storagetest.Open(t, backend)
			seed(t, store)
			sched, err := scheduler.New(newConfig(t, "latest"), store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			const text = "lottery 2026-123: 03 17 22 29 31 08"
			at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			dry, err := sched.DryRun(t.Context(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindManual, NominalTime: at, RequestedBy: "test", Seed: sampling.SeedFromText(text)})
			if err != nil {
				t.Fatal(err)
			}
			plan, made, err := sched.Fire(t.Context(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindManual, NominalTime: at, RequestedBy: "test", Seed: sampling.SeedFromText(text)})
			if err != nil || !made {
				t.Fatalf("Fire = %v, %v", made, err)
			}
			h := sha256.Sum256([]byte(text))
			if plan.Seed != hex.EncodeToString(h[:]) || plan.SeedSource != text {
				t.Errorf("plan seed %s from %q, want SHA-256 of %q", plan.Seed, plan.SeedSource, text)
			}
			if plan.Commitment != dry.Commitment {
				t.Errorf("the dry run with the same seed drew another plan")
			}
			stored, rec, err := store.PlanRecord(t.Context(), plan.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.SeedSource != text {
				t.Errorf("stored seed source = %q, want %q", stored.SeedSource, text)
			}
			if _, err := sampling.Verify(rec, stored); err != nil {
				t.Errorf("Verify(plan made by the scheduler) = %v, want nil", err)
			}
		})
	}
}

// TestFireFailsOnConstraint checks that a draw whose constraints cannot be
// met stores no plan and records a failed fire naming the task and the
// constraint.
func TestFireFailsOnConstraint(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			store := storagetest.Open(t, backend)
			seed(t, store) // two inspectors, both of 姑苏区
			cfg, err := config.Parse("test.yaml", []byte(strings.Replace(strings.Replace(testConfig, "%s", "latest", 1),
				"    batches: 3\n", "    batches: 3\n    inspectors_per_task: 3\n", 1)))
			if err != nil {
				t.Fatal(err)
			}
			sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			_, made, err := sched.Fire(t.Context(), scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindScheduled, NominalTime: at})
			var de *scheduler.DrawError
			if made || !errors.As(err, &de) {
				t.Fatalf("Fire = %v, %v; want a *DrawError", made, err)
			}
			fires, err := storagetest.Fires(t.Context(), store, "textiles-10s", at)
			if err != nil {
				t.Fatal(err)
			}
			if len(fires) != 1 || fires[0].Status != sampling.FireFailed {
				t.Fatalf("ledger = %+v, want one failed fire", fires)
			}
			for _, want := range []string{"stratum 吴江区/garments", "task 91320500MA", "2 eligible inspectors, inspectors_per_task needs 3"} {
				if !strings.Contains(fires[0].Message, want) {
					t.Errorf("failed fire message %q lacks %q", fires[0].Message, want)
				}
			}
			if plans, err := store.Plans(t.Context(), storage.PlanFilter{}); err != nil || len(plans) != 0 {
				t.Errorf("Plans = %d plans, %v; want none stored", len(plans), err)
			}
		})
	}
}

// TestDryRunNamesTasksAsFire: a dry run's tasks carry the enterprise names
// from the registry, as the plan the same fire makes does; and the fire
// sets the schedule's last success to the second it was recorded at.
func TestDryRunNamesTasksAsFire(t *testing.T) {
	store := storagetest.Open(t, storage.SQLite)
	seed(t, store)
	at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	now := at.Add(90*time.Second + 250*time.Millisecond)
	reg := prometheus.NewRegistry()
	sched, err := scheduler.New(newConfig(t, "latest"), store, reg, storagetest.Logger(t), scheduler.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	req := scheduler.FireRequest{Schedule: "textiles-10s", Kind: sampling.KindManual, NominalTime: at, RequestedBy: "test", Seed: sampling.SeedFromText("named")}
	dry, err := sched.DryRun(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	plan, made, err := sched.Fire(t.Context(), req)
	if err != nil || !made {
		t.Fatalf("Fire = %v, %v", made, err)
	}
	name := func(tasks []sampling.Task) []string {
		var out []string
		for _, task := range tasks {
			out = append(out, task.CreditCode+" "+task.Enterprise)
		}
		return out
	}
	if got, want := name(dry.Tasks), name(plan.Tasks); len(got) != 3 || !slices.Equal(got, want) || !strings.HasPrefix(got[0], "91320500MA") || !strings.Contains(got[0], " 企业") {
		t.Errorf("dry run's tasks %q, want the plan's %q, each named 企业…", got, want)
	}
	if got := metric(t, reg, "spotcheck_schedule_last_success_timestamp_seconds", "schedule", "textiles-10s"); got != float64(now.UnixMilli())/1000 {
		t.Errorf("last success = %v, want %v", got, float64(now.UnixMilli())/1000)
	}
}
