package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storagetest"
)

// importRegistry imports the test registry with the test configuration.
func (te *testEnv) importRegistry(cfg string) {
	te.t.Helper()
	for _, kind := range []string{"enterprises", "inspectors"} {
		if out, stderr, code := te.run(te.t.Context(), "", "import", kind, filepath.Join("testdata", kind+".csv"), "--config", cfg); code != 0 {
			te.t.Fatalf("import %s: exit %d\n%s%s", kind, code, out, stderr)
		}
	}
}

// planJSON runs a command that prints a plan as JSON and decodes it.
func (te *testEnv) planJSON(args ...string) sampling.Plan {
	te.t.Helper()
	out, stderr, code := te.run(te.t.Context(), "", append(args, "--format", "json")...)
	if code != 0 {
		te.t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	var p sampling.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		te.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return p
}

// TestPlanVerifyCommand runs a ceremony and verifies it: plan run
// --seed-from, plan verify on the untouched plan (exit 0), after tampering
// (exit 1), and on plans it cannot verify (exit 2).
func TestPlanVerifyCommand(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			ctx := t.Context()
			cfg := filepath.Join("testdata", "spotcheck.yaml")
			te.importRegistry(cfg)
			const text = "lottery 2026-123: 03 17 22 29 31 08"
			plan := te.planJSON("plan", "run", "textiles-monthly", "--config", cfg, "--seed-from", text)
			if plan.SeedSource != text || plan.Seed != "268114fdce52ba05729f81b514529b5a63e8cf9d6de3508230cf79efe2c83fc5" {
				t.Errorf("plan run --seed-from: seed %s from %q, want the SHA-256 of %q", plan.Seed, plan.SeedSource, text)
			}
			id := fmt.Sprint(plan.ID)
			out, stderr, code := te.run(ctx, "", "plan", "verify", id, "--config", cfg)
			if code != 0 || !strings.HasPrefix(out, "plan "+id+": match\n") {
				t.Fatalf("plan verify %s = exit %d\n%s%s\nwant exit 0 and match", id, code, out, stderr)
			}

			store, err := storage.Open(ctx, te.db, storagetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if _, err := store.DB().ExecContext(ctx, fmt.Sprintf(`UPDATE tasks SET inclusion_probability = 0.01 WHERE id = %d`, plan.Tasks[2].ID)); err != nil {
				t.Fatal(err)
			}
			out, stderr, code = te.run(ctx, "", "plan", "verify", id, "--config", cfg)
			want := fmt.Sprintf("plan %s: mismatch: task %d (%s/%s): inclusion probability 0.01, re-derived", id, plan.Tasks[2].ID, plan.Tasks[2].CreditCode, plan.Tasks[2].Category)
			if code != 1 || !strings.HasPrefix(out, want) {
				t.Errorf("plan verify (tampered) = exit %d\n%s%s\nwant exit 1 and a line starting %q", code, out, stderr, want)
			}
			out, _, code = te.run(ctx, "", "plan", "verify", id, "--config", cfg, "--format", "json")
			var v struct {
				Match       bool     `json:"match"`
				Differences []string `json:"differences"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || code != 1 || v.Match || len(v.Differences) != 1 {
				t.Errorf("plan verify --format json (tampered) = exit %d, %+v, %v\n%s", code, v, err, out)
			}

			for _, args := range [][]string{{"plan", "verify", "999"}, {"plan", "verify", "abc"}, {"plan", "verify"}} {
				if _, stderr, code := te.run(ctx, "", append(args, "--config", cfg)...); code != 2 {
					t.Errorf("%s = exit %d (%s), want 2", strings.Join(args, " "), code, stderr)
				}
			}
		})
	}
}

// TestDryRunAndExclusions checks that a dry run with a fixed seed is
// repeatable and stores nothing, that --seed is refused for a stored plan,
// and that plan show --exclusions lists the units the no-repeat rule left
// out, with the reason.
func TestDryRunAndExclusions(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	cfg := filepath.Join("testdata", "spotcheck.yaml")
	te.importRegistry(cfg)
	seed := strings.Repeat("5e", 32)
	a := te.planJSON("plan", "run", "textiles-monthly", "--config", cfg, "--dry-run", "--seed", seed)
	b := te.planJSON("plan", "run", "textiles-monthly", "--config", cfg, "--dry-run", "--seed", seed)
	// The fire times differ, and with them the commitments; the draw is the same.
	if fmt.Sprint(a.Tasks) != fmt.Sprint(b.Tasks) || a.FrameDigest != b.FrameDigest || a.ID != 0 || len(a.Tasks) != 4 || a.Tasks[0].Enterprise == "" || len(a.Strata) == 0 {
		t.Errorf("two dry runs with --seed: %+v and %+v, want the same unstored plan of 4 tasks with names and strata", a, b)
	}
	// Nothing was stored, so nothing has an id or a creation time (no
	// zero values standing for "none").
	if out, _, _ := te.run(ctx, "", "plan", "run", "textiles-monthly", "--config", cfg, "--dry-run", "--seed", seed, "--format", "json"); strings.Contains(out, `"created_at"`) || strings.Contains(out, `"id"`) || strings.Contains(out, "0001-01-01") {
		t.Errorf("a dry run prints an id or a created_at: %.300s", out)
	}
	if out, _, _ := te.run(ctx, "", "plans", "--format", "json", "--config", cfg); strings.TrimSpace(out) != "[]" {
		t.Errorf("plans after dry runs = %s, want none", out)
	}
	if _, stderr, code := te.run(ctx, "", "plan", "run", "textiles-monthly", "--config", cfg, "--seed", seed); code != 2 || !strings.Contains(stderr, "--seed is for --dry-run only") {
		t.Errorf("plan run --seed without --dry-run = exit %d (%s), want 2", code, stderr)
	}

	first := te.planJSON("plan", "run", "textiles-monthly", "--config", cfg)
	second := te.planJSON("plan", "run", "textiles-monthly", "--config", cfg)
	if second.Excluded != len(first.Tasks) || second.FrameSize != 8-len(first.Tasks) {
		t.Errorf("second plan: %d excluded, frame %d; want the first plan's %d units excluded", second.Excluded, second.FrameSize, len(first.Tasks))
	}
	out, stderr, code := te.run(ctx, "", "plan", "show", fmt.Sprint(second.ID), "--exclusions", "--format", "json", "--config", cfg)
	if code != 0 {
		t.Fatalf("plan show --exclusions: exit %d: %s", code, stderr)
	}
	var ex []sampling.Exclusion
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatal(err)
	}
	drawn := map[string]int64{}
	for _, task := range first.Tasks {
		drawn[task.CreditCode+"/"+task.Category] = task.ID
	}
	if len(ex) != len(first.Tasks) {
		t.Fatalf("plan show --exclusions = %d exclusions, want %d", len(ex), len(first.Tasks))
	}
	for _, x := range ex {
		if drawn[x.CreditCode+"/"+x.Category] != x.LastTask || x.LastOutcome != "pending" || !strings.Contains(x.Reason, "within no_repeat 180d") {
			t.Errorf("exclusion %+v, want the first plan's task with its reason", x)
		}
	}
	out, _, code = te.run(ctx, "", "plan", "show", fmt.Sprint(second.ID), "--exclusions", "--config", cfg)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("plan %d: %d units excluded from the frame by no_repeat 180d", second.ID, len(ex))) {
		t.Errorf("plan show --exclusions (table) = exit %d\n%s", code, out)
	}
}

func TestAQLCommand(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	out, stderr, code := te.run(t.Context(), "", "aql", "--lot", "1200", "--level", "II", "--aql", "1.0")
	for _, want := range []string{"sample size code letter  J", "sample size n            80", "acceptance number Ac     2", "rejection number Re      3"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("aql --lot 1200 --level II --aql 1.0 = exit %d\n%s%s\nwant a line %q", code, out, stderr, want)
		}
	}
	_, stderr, code = te.run(t.Context(), "", "aql", "--lot", "1", "--level", "IV", "--aql", "1.2")
	for _, want := range []string{"--lot 1", `--level "IV"`, `AQL "1.2"`} {
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("aql with bad flags = exit %d: %s\nwant exit 2 naming %q", code, stderr, want)
		}
	}
}
