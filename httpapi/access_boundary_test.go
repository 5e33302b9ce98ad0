package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestImportOthersTaskRefused: an inspector's results import that holds a
// valid row for another inspector's task is refused naming that row as if
// the task did not exist, and nothing is stored; the same row for the
// inspector's own task is stored. (The authorization table sends rows the
// store would refuse anyway, so it cannot tell this apart.)
func TestImportOthersTaskRefused(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	today := f.clock.now().In(shanghai).Format(time.DateOnly)
	row := func(id int64) string { return fmt.Sprintf("task_id,outcome,tested_on\n%d,pass,%s\n", id, today) }
	status, body := f.do("A", http.MethodPost, "/api/v1/results", row(f.taskB))
	checkProblem(t, "A imports a result of B's task", http.StatusUnprocessableEntity, body, []string{fmt.Sprintf("request body:2:1: task_id: no task %d", f.taskB)})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("A imports a result of B's task = %d, want 422", status)
	}
	if d, err := f.store.TaskDetail(t.Context(), f.taskB, sampling.Today(f.clock.now(), shanghai)); err != nil || d.Status != "assigned" {
		t.Errorf("B's task after A's import = %+v, %v; want it still assigned, no result", d, err)
	}
	status, body = f.do("A", http.MethodPost, "/api/v1/results", row(f.taskA))
	var got struct{ Rows, Stored int }
	if err := json.Unmarshal(body, &got); err != nil || status != http.StatusOK || got.Rows != 1 || got.Stored != 1 {
		t.Errorf("A imports a result of its own task = %d %s, want 200, 1 row stored", status, body)
	}
}

// TestClosePlansListsClosed: POST /api/v1/plans/close answers the ids of
// the plans it closed, and an empty list (not null) when none.
func TestClosePlansListsClosed(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	due, err := time.ParseInLocation(time.DateOnly, f.plan.Tasks[0].Due.String(), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.set(due.AddDate(0, 0, 1).Add(9 * time.Hour))
	for _, want := range []string{fmt.Sprintf(`{"closed":[%d]}`, f.plan.ID), `{"closed":[]}`} {
		status, body := f.do("admin", http.MethodPost, "/api/v1/plans/close", "")
		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil || status != http.StatusOK || compact.String() != want {
			t.Errorf("POST /api/v1/plans/close = %d %s, want 200 %s", status, body, want)
		}
	}
}

// TestSamplingLeavesOverduePlanToTheSweep: only a refusal or a close can
// complete a plan, so only they have the plans closed at once; sampling
// recorded on a task of a plan past its due date leaves the plan open for
// the chores' sweep, and a refusal then closes it.
func TestSamplingLeavesOverduePlanToTheSweep(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	due, err := time.ParseInLocation(time.DateOnly, f.plan.Tasks[0].Due.String(), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.set(due.AddDate(0, 0, 1).Add(9 * time.Hour))
	planStatus := func() string {
		t.Helper()
		_, body := f.do("admin", http.MethodGet, fmt.Sprintf("/api/v1/plans/%d", f.plan.ID), "")
		var p struct{ Status string }
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("plan: %v\n%s", err, body)
		}
		return p.Status
	}
	sampled := fmt.Sprintf(`{"sampled_on":%q,"batch_no":"B1","quantity":1,"seals":["F1"]}`, due.Format(time.DateOnly))
	if status, body := f.do("A", http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/sampling", f.taskA), sampled); status != http.StatusOK {
		t.Fatalf("sampling on the day after the due date = %d %s, want 200", status, body)
	}
	if got := planStatus(); got != "open" {
		t.Errorf("plan after a sampling past its due date = %s, want open (the sweep closes it)", got)
	}
	if status, body := f.do("B", http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/refusal", f.taskB), `{"reason":"production_stopped"}`); status != http.StatusOK {
		t.Fatalf("refusal = %d %s, want 200", status, body)
	}
	if got := planStatus(); got != "closed" {
		t.Errorf("plan after a refusal past its due date = %s, want closed", got)
	}
}

// logBuffer collects a logger's JSON records; safe for the server's
// goroutines.
type logBuffer struct{ storagetest.LogBuffer }

// records returns the records logged so far at level or above, as
// "LEVEL msg err" lines.
func (b *logBuffer) records(t *testing.T, level slog.Level) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(b.String()) {
		var r struct{ Level, Msg, Err string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log record %q: %v", line, err)
		}
		var l slog.Level
		if err := l.UnmarshalText([]byte(r.Level)); err != nil {
			t.Fatalf("log record %q: %v", line, err)
		}
		if l >= level {
			out = append(out, strings.TrimSpace(r.Level+" "+r.Msg+" "+r.Err))
		}
	}
	return out
}

// TestClosePlansFailureLogged: when the plans a refusal completes cannot be
// closed, the refusal still answers 200 and stays stored, the plan stays
// open, and the failure is logged as a warning naming the cause; once
// closing works again the next refusal closes the plan and logs no warning.
func TestClosePlansFailureLogged(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	var logs logBuffer
	d := f.deps
	d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	f.srv = httptest.NewServer(NewHandler(d))
	t.Cleanup(f.srv.Close)
	due, err := time.ParseInLocation(time.DateOnly, f.plan.Tasks[0].Due.String(), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.set(due.AddDate(0, 0, 1).Add(9 * time.Hour)) // the plan is overdue: any refusal has it closed
	db := f.store.DB()
	if _, err := db.ExecContext(t.Context(), `CREATE TRIGGER refuse_closures BEFORE INSERT ON plan_closures
		BEGIN SELECT RAISE(ABORT, 'closures refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	refuse := func(caller string, task int64) {
		t.Helper()
		if status, body := f.do(caller, http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/refusal", task), `{"reason":"production_stopped"}`); status != http.StatusOK {
			t.Fatalf("%s refuses task %d = %d %s, want 200", caller, task, status, body)
		}
	}
	planStatus := func() string {
		t.Helper()
		_, body := f.do("admin", http.MethodGet, fmt.Sprintf("/api/v1/plans/%d", f.plan.ID), "")
		var p struct{ Status string }
		decode(t, body, &p)
		return p.Status
	}
	refuse("B", f.taskB)
	want := []string{fmt.Sprintf("WARN close plans close plan %d: constraint failed: closures refused by the test (1811)", f.plan.ID)}
	if got := logs.records(t, slog.LevelWarn); !slices.Equal(got, want) {
		t.Errorf("warnings after a refusal whose plan cannot close = %q, want %q", got, want)
	}
	if got := planStatus(); got != "open" {
		t.Errorf("plan after the failed close = %s, want open", got)
	}
	if dt, err := f.store.TaskDetail(t.Context(), f.taskB, sampling.Today(f.clock.now(), shanghai)); err != nil || dt.Status != sampling.TaskRefused {
		t.Errorf("B's task after its refusal = %+v, %v; want refused", dt, err)
	}
	if _, err := db.ExecContext(t.Context(), `DROP TRIGGER refuse_closures`); err != nil {
		t.Fatal(err)
	}
	refuse("A", f.taskA)
	if got := logs.records(t, slog.LevelWarn); !slices.Equal(got, want) {
		t.Errorf("warnings after a refusal whose plan closes = %q, want only the earlier %q", got, want)
	}
	if got := planStatus(); got != "closed" {
		t.Errorf("plan after a refusal once closing works = %s, want closed", got)
	}
}

// TestHardeningEdges: a body of exactly the limit passes the length check
// (the handler then judges it), one byte more is refused with 413; the
// Content-Security-Policy is the inspectors' pages' on /inspect itself and
// below it, the public pages' on /public/, the API's elsewhere; and
// Strict-Transport-Security is sent over TLS only.
func TestHardeningEdges(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	path := fmt.Sprintf("/api/v1/tasks/%d/sampling", f.taskA)
	body := func(n int) string {
		b := `{"batch_no":"` + strings.Repeat("x", n-len(`{"batch_no":""}`)) + `"}`
		if len(b) != n {
			t.Fatalf("body of %d bytes, want %d", len(b), n)
		}
		return b
	}
	if status, got := f.do("A", http.MethodPost, path, body(maxBody)); status != http.StatusUnprocessableEntity {
		t.Errorf("POST a body of exactly %d bytes = %d %s, want 422 (judged by the handler)", maxBody, status, got)
	}
	if status, _ := f.do("A", http.MethodPost, path, body(maxBody+1)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST a body of %d bytes = %d, want 413", maxBody+1, status)
	}
	const (
		pagesCSP  = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
		publicCSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
		apiCSP    = "default-src 'none'; frame-ancestors 'none'"
	)
	get := func(client *http.Client, base, path string) http.Header {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["A"])
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	for _, tc := range []struct{ path, csp string }{
		{"/inspect", pagesCSP}, {"/inspect/login", pagesCSP}, {"/public/announcements", publicCSP},
		{"/api/v1/tasks", apiCSP}, {"/inspector", apiCSP},
	} {
		h := get(&http.Client{}, f.srv.URL, tc.path)
		if got := h.Get("Content-Security-Policy"); got != tc.csp {
			t.Errorf("GET %s: Content-Security-Policy = %q, want %q", tc.path, got, tc.csp)
		}
		if got := h.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("GET %s over plain HTTP: Strict-Transport-Security = %q, want none", tc.path, got)
		}
	}
	tls := httptest.NewTLSServer(NewHandler(f.deps))
	t.Cleanup(tls.Close)
	if got := get(tls.Client(), tls.URL, "/api/v1/tasks").Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("GET /api/v1/tasks over TLS: Strict-Transport-Security = %q, want max-age=31536000", got)
	}
}
