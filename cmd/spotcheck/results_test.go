package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"spotcheck/sampling"
	"spotcheck/storage/storagetest"
)

// madePlan imports the test registry and makes a plan of 4 tasks two days
// ago, so that results can be dated.
func madePlan(t *testing.T, te *testEnv, cfg string) sampling.Plan {
	t.Helper()
	ctx := t.Context()
	te.now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
	defer func() { te.now = time.Now }()
	for _, kind := range []string{"enterprises", "inspectors"} {
		if out, stderr, code := te.run(ctx, "", "import", kind, filepath.Join("testdata", kind+".csv"), "--config", cfg); code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", kind, code, out, stderr)
		}
	}
	out, stderr, code := te.run(ctx, "", "plan", "run", "textiles-monthly", "--config", cfg, "--format", "json")
	if code != 0 {
		t.Fatalf("plan run: exit %d: %s", code, stderr)
	}
	var plan sampling.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Tasks) != 4 {
		t.Fatalf("plan run output: %v\n%s", err, out)
	}
	return plan
}

// TestResultsLifecycle goes through the CLI and the API: a GB18030 import
// and a UTF-8 one with a BOM, a retest over HTTP, a correction, the history,
// the rates with their stability, the rate history, a rollup check and the
// audit chain.
func TestResultsLifecycle(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			ctx := t.Context()
			cfg := filepath.Join("testdata", "spotcheck.yaml")
			plan := madePlan(t, te, cfg)
			ids := make([]int64, len(plan.Tasks))
			for i, task := range plan.Tasks {
				ids[i] = task.ID
			}
			today := time.Now().In(mustLoc(t)).Format(time.DateOnly)

			gb, err := simplifiedchinese.GB18030.NewEncoder().String(fmt.Sprintf(
				"task_id,outcome,tested_on,failed_items\n%d,不合格,%s,纤维含量\n%d,合格,%s,\n", ids[0], today, ids[1], today))
			if err != nil {
				t.Fatal(err)
			}
			if out, stderr, code := te.run(ctx, gb, "import", "results", "-", "--config", cfg); code != 0 || !strings.Contains(out, "imported 2 results") {
				t.Fatalf("import GB18030 results: exit %d\n%s%s", code, out, stderr)
			}
			// Final rates of results all open to objection say so, and
			// until when.
			until := time.Now().In(mustLoc(t)).AddDate(0, 0, 15).Format(time.DateOnly)
			if out, stderr, code := te.run(ctx, "", "rates", "--final", "--config", cfg); code != 0 || out != "" ||
				!strings.Contains(stderr, "no final results yet: 2 results are still provisional, open to objection until "+until+" (final from the day after)") {
				t.Errorf("rates --final with only provisional results: exit %d\n%s%s", code, out, stderr)
			}
			bom := fmt.Sprintf("\uFEFFtask_id,outcome,tested_on\n%d,pass,%s\n", ids[2], today)
			if out, stderr, code := te.run(ctx, bom, "import", "results", "-", "--config", cfg); code != 0 || !strings.Contains(out, "imported 1 results") {
				t.Fatalf("import UTF-8 results with a BOM: exit %d\n%s%s", code, out, stderr)
			}
			// The failed items came through GB18030 intact.
			out, _, _ := te.run(ctx, "", "result", "history", fmt.Sprint(ids[0]), "--format", "json")
			if !strings.Contains(out, "纤维含量") {
				t.Errorf("result history after the GB18030 import lacks the failed items:\n%s", out)
			}
			// A bad import names the line and column and stores nothing.
			bad := fmt.Sprintf("task_id,outcome,tested_on\n%d,pass,%s\n99999,pass,%s\n", ids[3], today, today)
			if _, stderr, code := te.run(ctx, bad, "import", "results", "-", "--config", cfg); code != 2 || !strings.Contains(stderr, "stdin:3:1: task_id: no task 99999") {
				t.Errorf("import with an unknown task: exit %d, want 2 and the line\n%s", code, stderr)
			}

			base, _ := te.serve("--config", cfg)
			admin, stderr, code := te.run(ctx, "", "token", "create", "--role", "admin")
			if code != 0 {
				t.Fatalf("token create: exit %d: %s", code, stderr)
			}
			authorize := func(req *http.Request) *http.Request {
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(admin))
				return req
			}
			post := func(taskID int64, body string) int {
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/tasks/%d/result", base, taskID), strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(authorize(req))
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			if got := post(ids[0], fmt.Sprintf(`{"outcome":"pass","tested_on":%q}`, today)); got != http.StatusConflict {
				t.Errorf("POST a different result = %d, want 409", got)
			}
			if got := post(ids[0], fmt.Sprintf(`{"outcome":"pass","tested_on":%q,"retest":true}`, today)); got != http.StatusCreated {
				t.Errorf("POST a retest = %d, want 201", got)
			}
			getJSON := func(path string, v any) {
				t.Helper()
				req, _ := http.NewRequest(http.MethodGet, base+path, nil)
				resp, err := http.DefaultClient.Do(authorize(req))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d\n%s", path, resp.StatusCode, body)
				}
				if err := json.Unmarshal(body, v); err != nil {
					t.Fatalf("GET %s: %v\n%s", path, err, body)
				}
			}
			// The SPEC's JSON shape, with the fields this issue adds.
			var rates struct {
				AsOf      time.Time               `json:"as_of"`
				Rates     []map[string]any        `json:"rates"`
				Stability []sampling.StabilityRow `json:"stability"`
			}
			getJSON("/api/v1/rates?window=30d", &rates)
			if len(rates.Rates) == 0 || rates.AsOf.IsZero() {
				t.Fatalf("GET /api/v1/rates?window=30d = %+v, want rows", rates)
			}
			var batches, failed, provisional float64
			for _, row := range rates.Rates {
				for _, k := range []string{"window", "tier", "batches", "failed", "rate", "lower", "upper", "target", "status", "p_below_target", "provisional", "weighted_rate"} {
					if _, ok := row[k]; !ok {
						t.Errorf("rates row lacks %q: %v", k, row)
					}
				}
				batches += row["batches"].(float64)
				failed += row["failed"].(float64)
				provisional += row["provisional"].(float64)
			}
			// Three batches, all passed after the retest, all provisional
			// except the retest.
			if batches != 3 || failed != 0 || provisional != 2 {
				t.Errorf("rates = %v, want 3 batches, 0 failed, 2 provisional", rates.Rates)
			}
			if len(rates.Stability) != 1 || rates.Stability[0].Tier != sampling.TierKey || len(rates.Stability[0].Periods) != 4 {
				t.Errorf("stability = %+v, want the key tier over 4 quarters", rates.Stability)
			}
			var hist struct {
				Points []sampling.HistoryPoint `json:"points"`
			}
			getJSON("/api/v1/rates/history?tier=general&window=30d&step=1d&points=5", &hist)
			if n := len(hist.Points); n == 0 || hist.Points[n-1].Date.String() != today || hist.Points[n-1].Batches == 0 {
				t.Errorf("rates history = %+v, want points ending today", hist.Points)
			}
			badReq, _ := http.NewRequest(http.MethodGet, base+"/api/v1/rates/history?tier=gold&step=2x", nil)
			if resp, _ := http.DefaultClient.Do(authorize(badReq)); resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET rates history with a bad tier and step: want 400")
			}

			out, stderr, code = te.run(ctx, "", "result", "correct", fmt.Sprint(ids[1]), "--outcome", "fail", "--tested-on", today,
				"--failed-items", "pH", "--reason", "lab re-read the report", "--config", cfg)
			if code != 0 || !strings.Contains(out, "version 2") {
				t.Fatalf("result correct: exit %d\n%s%s", code, out, stderr)
			}
			out, _, _ = te.run(ctx, "", "result", "history", fmt.Sprint(ids[0]))
			if !strings.Contains(out, "superseded") || !strings.Contains(out, "retest") {
				t.Errorf("result history =\n%s\nwant the superseded first result and the retest", out)
			}
			out, stderr, code = te.run(ctx, "", "rates", "--config", cfg)
			if code != 0 || !strings.Contains(out, "P(<TARGET)") || !strings.Contains(out, "stability of key") {
				t.Errorf("rates table: exit %d\n%s%s", code, out, stderr)
			}
			if out, stderr, code := te.run(ctx, "", "rates", "rebuild", "--check"); code != 0 || !strings.Contains(out, "all equal") {
				t.Errorf("rates rebuild --check: exit %d\n%s%s", code, out, stderr)
			}
			if out, stderr, code := te.run(ctx, "", "rates", "rebuild"); code != 0 || !strings.Contains(out, "0 of them corrected") {
				t.Errorf("rates rebuild: exit %d\n%s%s", code, out, stderr)
			}
			out, stderr, code = te.run(ctx, "", "audit", "verify", "--format", "json")
			var rep struct {
				OK      bool   `json:"ok"`
				Entries int    `json:"entries"`
				Head    string `json:"head_hash"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || !rep.OK || rep.Entries != 4 {
				t.Errorf("audit verify: exit %d, %+v, %v\n%s%s", code, rep, err, out, stderr)
			}
			if _, _, code := te.run(ctx, "", "audit", "verify", "--expect-head", strings.Repeat("0", 64)); code != 1 {
				t.Errorf("audit verify against another head: exit %d, want 1", code)
			}
			out, _, _ = te.run(ctx, "", "audit", "log")
			actions := []string{}
			// The actor column may hold spaces ("token:… (admin)"): find the
			// action by its shape.
			action := regexp.MustCompile(`\b[a-z_]+\.[a-z_]+\b`)
			for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
				actions = append(actions, action.FindString(line))
			}
			if want := []string{"results.record", "results.record", "results.record", "result.correct"}; !slices.Equal(actions, want) {
				t.Errorf("audit log actions = %v, want %v\n%s", actions, want, out)
			}
		})
	}
}
