package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"spotcheck/storage"
	"spotcheck/storagetest"
)

// TestTimesInConfiguredZone: token create and list, audit log and result
// history show times in the configuration's zone (Asia/Shanghai), with its
// offset, whatever the host's zone.
func TestTimesInConfiguredZone(t *testing.T) {
	storagetest.HostZones(t, func(t *testing.T) {
		te := newTestEnv(t, storage.SQLite)
		ctx := t.Context()
		cfg := filepath.Join("testdata", "spotcheck.yaml")
		at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
		te.now = func() time.Time { return at }
		te.importRegistry(cfg)
		_, stderr, code := te.run(ctx, "", "token", "create", "--role", "viewer", "--expires", "90d", "--note", "board", "--config", cfg)
		if want := "expires 2027-02-18 10:00 +08:00"; code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("token create: exit %d, %q; want %q", code, stderr, want)
		}
		out, _, _ := te.run(ctx, "", "token", "list", "--config", cfg)
		if want := "2026-11-20 10:00 +08:00  2027-02-18 10:00 +08:00  -          board"; !strings.Contains(out, want) {
			t.Errorf("token list =\n%s\nwant a row with %q", out, want)
		}
		out, _, _ = te.run(ctx, "", "token", "list", "--format", "json", "--config", cfg)
		var tokens []map[string]any
		if err := json.Unmarshal([]byte(out), &tokens); err != nil || len(tokens) != 1 ||
			tokens[0]["created_at"] != "2026-11-20T10:00:00+08:00" || tokens[0]["expires_at"] != "2027-02-18T10:00:00+08:00" {
			t.Errorf("token list --format json = %s (%v), want created_at 2026-11-20T10:00:00+08:00, expires_at 2027-02-18T10:00:00+08:00", out, err)
		}

		out, stderr, code = te.run(ctx, "", "plan", "run", "textiles-monthly", "--config", cfg, "--format", "json")
		if code != 0 {
			t.Fatalf("plan run: exit %d: %s", code, stderr)
		}
		var plan struct {
			Tasks []struct {
				ID int64 `json:"id"`
			} `json:"tasks"`
		}
		if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Tasks) == 0 {
			t.Fatalf("plan run output: %v\n%s", err, out)
		}
		for _, args := range [][]string{{"plans"}, {"plan", "show", "1"}, {"schedule", "history", "textiles-monthly"}} {
			out, _, _ := te.run(ctx, "", append(args, "--config", cfg)...)
			if want := "2026-11-20 10:00:00 +08:00"; !strings.Contains(out, want) {
				t.Errorf("%s =\n%s\nwant the manual fire's time %q", strings.Join(args, " "), out, want)
			}
		}
		csv := fmt.Sprintf("task_id,outcome,tested_on\n%d,pass,2026-11-20\n", plan.Tasks[0].ID)
		if out, stderr, code := te.run(ctx, csv, "import", "results", "-", "--config", cfg); code != 0 {
			t.Fatalf("import results: exit %d\n%s%s", code, out, stderr)
		}
		out, _, _ = te.run(ctx, "", "audit", "log", "--config", cfg)
		if want := "2026-11-20 10:00:00 +08:00"; !strings.Contains(out, want) {
			t.Errorf("audit log =\n%s\nwant the entry at %q", out, want)
		}
		out, _, _ = te.run(ctx, "", "audit", "log", "--format", "json", "--config", cfg)
		var entries []map[string]any
		if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 1 ||
			entries[0]["at"] != "2026-11-20T02:00:00Z" || entries[0]["at_local"] != "2026-11-20T10:00:00+08:00" {
			t.Errorf("audit log --format json = %s (%v), want at as hashed (2026-11-20T02:00:00Z) and at_local 2026-11-20T10:00:00+08:00", out, err)
		}
		// Results are stamped by the database's clock: only the zone is known.
		out, _, _ = te.run(ctx, "", "result", "history", fmt.Sprint(plan.Tasks[0].ID), "--format", "json", "--config", cfg)
		if !regexp.MustCompile(`"recorded_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00"`).MatchString(out) {
			t.Errorf("result history --format json =\n%s\nwant recorded_at with +08:00", out)
		}
	})
}
