package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storagetest"
)

// TestSchedulePauseResume walks an administrator through pausing a
// schedule, seeing it paused, being refused a manual plan, resuming, and
// reading the ledger and the plans.
func TestSchedulePauseResume(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			ctx := t.Context()
			cfg := filepath.Join("testdata", "spotcheck.yaml")
			mustRun := func(args ...string) string {
				t.Helper()
				out, stderr, code := te.run(ctx, "", append(args, "--config", cfg)...)
				if code != 0 {
					t.Fatalf("spotcheck %s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
				}
				return out
			}
			for _, kind := range []string{"enterprises", "inspectors"} {
				mustRun("import", kind, filepath.Join("testdata", kind+".csv"))
			}

			for _, tt := range []struct {
				args []string
				want string
			}{
				{[]string{"schedule", "pause", "textiles-monthly"}, "give --reason TEXT"},
				{[]string{"schedule", "pause", "textiles-weekly", "--reason", "x"}, `no schedule "textiles-weekly" in the configuration (known: textiles-monthly)`},
				{[]string{"schedule", "frobnicate"}, `unknown subcommand "frobnicate"`},
				{[]string{"schedule", "history", "textiles-monthly", "--format", "yaml"}, `--format "yaml"`},
			} {
				_, stderr, code := te.run(ctx, "", append(tt.args, "--config", cfg)...)
				if code != 2 || !strings.Contains(stderr, tt.want) {
					t.Errorf("spotcheck %s: exit %d, %q; want exit 2 and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
				}
			}

			out := mustRun("schedule", "pause", "textiles-monthly", "--reason", "registry audit")
			if !strings.Contains(out, "schedule textiles-monthly paused by cli at ") || !strings.Contains(out, "registry audit") {
				t.Errorf("schedule pause printed %q, want who paused it, when and why", out)
			}
			var views []scheduleView
			if err := json.Unmarshal([]byte(mustRun("schedules", "--format", "json")), &views); err != nil {
				t.Fatal(err)
			}
			if len(views) != 1 || !views[0].Paused || views[0].Pause.Reason != "registry audit" || views[0].Timezone != "Asia/Shanghai" ||
				len(views[0].NextFires) != 3 || views[0].NextFires[0].Day() != 1 || views[0].LastFire != nil {
				t.Errorf("schedules --format json = %+v, want textiles-monthly paused for the registry audit, in Asia/Shanghai, with 3 next fires on the 1st and no last fire", views)
			}
			if out := mustRun("schedules"); !strings.Contains(out, "paused since ") || !strings.Contains(out, "by cli: registry audit") {
				t.Errorf("schedules =\n%s\nwant the pause with who and why", out)
			}

			_, stderr, code := te.run(ctx, "", "plan", "run", "textiles-monthly", "--config", cfg)
			if code != 1 || !strings.Contains(stderr, "schedule is paused") || !strings.Contains(stderr, "spotcheck schedule resume textiles-monthly") {
				t.Errorf("plan run of a paused schedule: exit %d, %q; want exit 1 saying it is paused and how to resume", code, stderr)
			}
			if out := mustRun("schedule", "resume", "textiles-monthly"); !strings.Contains(out, "resumed by cli") || !strings.Contains(out, "registry audit") {
				t.Errorf("schedule resume printed %q, want who resumed it and the pause it ended", out)
			}
			if out := mustRun("schedule", "resume", "textiles-monthly"); !strings.Contains(out, "is not paused") {
				t.Errorf("second schedule resume printed %q, want it to say the schedule is not paused", out)
			}

			mustRun("plan", "run", "textiles-monthly")
			var fires []storage.Fire
			if err := json.Unmarshal([]byte(mustRun("schedule", "history", "textiles-monthly", "--format", "json")), &fires); err != nil {
				t.Fatal(err)
			}
			if len(fires) != 1 || fires[0].Kind != sampling.KindManual || fires[0].Status != sampling.FireMade || fires[0].RequestedBy != "cli" ||
				fires[0].RecordedAt.IsZero() || !strings.HasSuffix(fires[0].NominalTime.Format(time.RFC3339), "+08:00") {
				t.Errorf("schedule history --format json = %+v, want one manual fire made by cli, with the database's time, in Asia/Shanghai", fires)
			}
			if out := mustRun("schedule", "history", "textiles-monthly"); !strings.Contains(out, "manual") || !strings.Contains(out, " made ") {
				t.Errorf("schedule history =\n%s\nwant the manual fire", out)
			}
			if out := mustRun("schedules"); !strings.Contains(out, "1 made") || !strings.Contains(out, "active") {
				t.Errorf("schedules =\n%s\nwant 1 made in the last 7 days and the schedule active", out)
			}

			var plans []map[string]any
			if err := json.Unmarshal([]byte(mustRun("plans", "--schedule", "textiles-monthly", "--format", "json")), &plans); err != nil {
				t.Fatal(err)
			}
			if len(plans) != 1 || plans[0]["kind"] != sampling.KindManual || plans[0]["status"] != sampling.PlanOpen || !strings.HasSuffix(plans[0]["nominal_time"].(string), "+08:00") {
				t.Errorf("plans --schedule textiles-monthly --format json = %v, want one open manual plan with its nominal time in +08:00", plans)
			}
		})
	}
}

// TestSecondServeRefused: on SQLite a second serve on the same file stops
// at once, naming the first; the first keeps serving.
func TestSecondServeRefused(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	base, stop := te.serve()
	_, stderr, code := te.run(t.Context(), "", "serve", "--listen", freeAddr(t))
	if code != 1 || !strings.Contains(stderr, "is in use by spotcheck serve (pid ") || !strings.Contains(stderr, "run replicas on PostgreSQL") {
		t.Errorf("second serve: exit %d, %q; want exit 1 naming the first serve and suggesting PostgreSQL", code, stderr)
	}
	if !ready(base) {
		t.Error("the first serve stopped answering /readyz after a second was refused")
	}
	if out := stop(); !strings.HasPrefix(out, "exit 0") {
		t.Errorf("first serve: %s", out)
	}
}
