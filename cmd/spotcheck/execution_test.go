package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestExecution: `execution` counts a plan's tasks as open while the plan
// is, and as lapsed once it closed without their results; the ratio is of
// the tasks whose outcome is known.
func TestExecution(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	cfg := filepath.Join("testdata", "spotcheck.yaml")
	plan := madePlan(t, te, cfg)
	today := time.Now().In(mustLoc(t)).Format(time.DateOnly)
	csv := fmt.Sprintf("task_id,outcome,tested_on\n%d,pass,%s\n", plan.Tasks[0].ID, today)
	if out, stderr, code := te.run(ctx, csv, "import", "results", "-", "--config", cfg); code != 0 {
		t.Fatalf("import results: exit %d\n%s%s", code, out, stderr)
	}
	table := func(want string) {
		t.Helper()
		out, stderr, code := te.run(ctx, "", "execution", "--window", "365d", "--config", cfg)
		if code != 0 || out != want {
			t.Errorf("execution: exit %d\n%s%s\nwant:\n%s", code, out, stderr, want)
		}
	}
	header := "SCHEDULE          WINDOW  PLANNED  TESTED  REFUSED  LAPSED  OPEN  EXECUTED\n"
	table(header + "textiles-monthly  365d    4        1       0        0       3     100.00%\n")

	late := time.Now().AddDate(0, 0, 60)
	store := openStore(t, te.db)
	if ids, err := store.ClosePlans(ctx, sampling.Today(late, mustLoc(t)), late); err != nil || len(ids) != 1 {
		t.Fatalf("ClosePlans = %v, %v; want the plan closed", ids, err)
	}
	te.now = func() time.Time { return late }
	table(header + "textiles-monthly  365d    4        1       0        3       0     25.00%\n")
	out, _, code := te.run(ctx, "", "execution", "--window", "365d", "--format", "json", "--config", cfg)
	if want := `"lapsed": 3`; code != 0 || !strings.Contains(out, want) {
		t.Errorf("execution --format json = %s, want %s", out, want)
	}
	if _, stderr, code := te.run(ctx, "", "execution", "--window", "7d", "--schedule", "nosuch", "--config", cfg); code != 2 ||
		!strings.Contains(stderr, `execution: --window "7d" is not a configured window (30d, 90d, 365d, ytd)`) ||
		!strings.Contains(stderr, `execution: --schedule "nosuch" is not a configured schedule (known: textiles-monthly)`) {
		t.Errorf("execution --window 7d --schedule nosuch: exit %d, %s; want a usage error naming both", code, stderr)
	}
}
