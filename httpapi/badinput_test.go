package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage/storagetest"
)

// problemBody is the documented shape of every error response.
type problemBody struct {
	Type   string   `json:"type"`
	Title  string   `json:"title"`
	Status int      `json:"status"`
	Detail string   `json:"detail"`
	Errors []string `json:"errors"`
}

// checkProblem asserts that body is a problem document of status whose
// errors list holds each of want exactly (want nil: any non-empty list).
func checkProblem(t *testing.T, what string, status int, body []byte, want []string) {
	t.Helper()
	var p problemBody
	decode(t, body, &p)
	if p.Status != status || p.Title != http.StatusText(status) || p.Type != "about:blank" || p.Detail == "" || len(p.Errors) == 0 {
		t.Errorf("%s: problem %+v, want status %d with title, detail and an errors list", what, p, status)
	}
	for _, w := range want {
		if !slices.Contains(p.Errors, w) {
			t.Errorf("%s: errors %q lack %q", what, p.Errors, w)
		}
	}
}

// TestBadBodies sends bad JSON bodies to every route that takes one, on
// both backends: each is answered 400 or 422 naming the byte offset or the
// field, never 500 nor a silent repair, and no table changes.
func TestBadBodies(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			// The results go to A's task as A; sampling and refusals to
			// another assigned task as the admin.
			result := fmt.Sprintf("/api/v1/tasks/%d/result", f.taskA)
			other := f.plan.Tasks[slices.IndexFunc(f.plan.Tasks, func(task sampling.Task) bool { return task.ID != f.taskA })].ID
			sampled := fmt.Sprintf("/api/v1/tasks/%d/sampling", other)
			refusal := fmt.Sprintf("/api/v1/tasks/%d/refusal", other)
			for _, tc := range []struct {
				name, path, body string
				status           int
				want             []string
			}{
				{"trailing object", result, `{"outcome":"pass","tested_on":"2026-11-20"}{"outcome":"fail"}`, 400,
					[]string{"request body: data after the JSON object at byte 43: send one object"}},
				{"trailing garbage", result, `{"outcome":"pass","tested_on":"2026-11-20"} x`, 400,
					[]string{"request body: data after the JSON object at byte 43: send one object"}},
				{"invalid UTF-8", result, "{\"outcome\":\"pass\",\"tested_on\":\"2026-11-20\",\"report_no\":\"R\xff1\"}", 400,
					[]string{"request body: invalid UTF-8 at byte 57"}},
				{"NUL in report_no", result, `{"outcome":"pass","tested_on":"2026-11-20","report_no":"R\u00001"}`, 422,
					[]string{"report_no: NUL character at byte 1"}},
				{"control character in failed_items", result, `{"outcome":"fail","tested_on":"2026-11-20","failed_items":"pH\u001b"}`, 422,
					[]string{"failed_items: control character U+001B at byte 2"}},
				{"long report_no", result, `{"outcome":"pass","tested_on":"2026-11-20","report_no":"` + strings.Repeat("报", 101) + `"}`, 422,
					[]string{"report_no: 101 characters, at most 100"}},
				{"every field bad", result, `{"outcome":"maybe","tested_on":"yesterday"}`, 422,
					[]string{`outcome: "maybe" is not pass or fail`, `tested_on: "yesterday" is not a date YYYY-MM-DD`}},
				{"unknown field", result, `{"outcome":"pass","tested_on":"2026-11-20","lab":"x"}`, 400,
					[]string{`request body: unknown field "lab"`}},
				{"wrong type", result, `{"outcome":"pass","tested_on":20261120}`, 400,
					[]string{"request body: field tested_on: want a JSON string, got number"}},
				{"not an object", result, `["pass"]`, 400, []string{"request body: want a JSON object, got array"}},
				{"null", result, ` null`, 400, []string{"request body: want a JSON object, got null"}},
				{"null sampling", sampled, `null`, 400, []string{"request body: want a JSON object, got null"}},
				{"empty", result, ``, 400, []string{"request body: empty: want a JSON object"}},
				{"cut short", result, `{"outcome":"pa`, 400, []string{"request body: invalid JSON at byte 14: unexpected end"}},
				{"syntax", result, `{"outcome":pass}`, 400, []string{"request body: invalid JSON at byte 12: invalid character 'p' looking for beginning of value"}},
				{"NUL in batch_no", sampled, `{"sampled_on":"2026-11-19","batch_no":"B\u00001","quantity":1,"seals":["F1"]}`, 422,
					[]string{"batch_no: NUL character at byte 1"}},
				{"control character in a seal", sampled, `{"sampled_on":"2026-11-19","batch_no":"B1","quantity":1,"seals":["F\u00071"]}`, 422,
					[]string{"seals: control character U+0007 at byte 1"}},
				{"trailing sampling", sampled, `{"sampled_on":"2026-11-19","batch_no":"B1","quantity":1,"seals":["F1"]} {}`, 400,
					[]string{"request body: data after the JSON object at byte 71: send one object"}},
				{"NUL in note", refusal, `{"reason":"other","note":"closed\u0000"}`, 422, []string{"note: NUL character at byte 6"}},
				{"invalid UTF-8 note", refusal, "{\"reason\":\"other\",\"note\":\"\xc3\"}", 400, []string{"request body: invalid UTF-8 at byte 26"}},
				{"long note", refusal, `{"reason":"other","note":"` + strings.Repeat("x", 501) + `"}`, 422, []string{"note: 501 characters, at most 500"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					caller := "A"
					if tc.path != result {
						caller = "admin"
					}
					before := storagetest.Dump(t, f.store, "tokens")
					status, body := f.do(caller, "POST", tc.path, tc.body)
					if status != tc.status {
						t.Fatalf("POST %s %q = %d, want %d\n%s", tc.path, tc.body, status, tc.status, body)
					}
					checkProblem(t, tc.name, tc.status, body, tc.want)
					if after := storagetest.Dump(t, f.store, "tokens"); after != before {
						t.Errorf("POST %s %q changed the tables", tc.path, tc.body)
					}
				})
			}
			// The bulk CSV import of results: every problem of every row,
			// placed by line and column.
			for _, tc := range []struct {
				name, body string
				want       []string
			}{
				{"NUL in a CSV cell", fmt.Sprintf("task_id,outcome,tested_on,report_no\n%d,pass,2026-11-20,R\x001\n", f.taskA),
					[]string{"request body:2:4: report_no: NUL character at byte 1"}},
				{"every problem of a CSV row", fmt.Sprintf("task_id,outcome,tested_on,report_no\n%d,maybe,yesterday,R\x1b\n", f.taskA),
					[]string{`request body:2:2: outcome: "maybe" is not pass or fail`, `request body:2:3: tested_on: "yesterday" is not a date like 2026-11-28 or 2026/11/28`,
						"request body:2:4: report_no: control character U+001B at byte 1"}},
				{"invalid UTF-8 in a CSV", "task_id,outcome,tested_on\n1,pass,2026-11-20\xff\n",
					[]string{"request body:2: neither UTF-8 nor GB18030 (check the file's encoding, or give --encoding)"}},
			} {
				before := storagetest.Dump(t, f.store, "tokens")
				status, body := f.do("A", "POST", "/api/v1/results", tc.body)
				if status != http.StatusUnprocessableEntity {
					t.Errorf("%s: POST /api/v1/results = %d, want 422\n%s", tc.name, status, body)
					continue
				}
				checkProblem(t, tc.name, status, body, tc.want)
				if after := storagetest.Dump(t, f.store, "tokens"); after != before {
					t.Errorf("%s: POST /api/v1/results changed the tables", tc.name)
				}
			}
			// Query parameters and tokens in URLs: a NUL is refused before
			// it reaches the database (PostgreSQL would fail on it).
			for _, tc := range []struct {
				caller, path string
				status       int
				want         string
			}{
				{"admin", "/api/v1/plans?schedule=%00", 400, "query parameter schedule: NUL character at byte 0"},
				{"admin", "/api/v1/plans?schedule=%FF", 400, "query parameter schedule: invalid UTF-8 at byte 0"},
				{"admin", "/api/v1/plans?schedule=nosuch", 400, `query parameter schedule: "nosuch": no such schedule, and no plan of that name is stored (none configured)`},
				{"admin", "/api/v1/rates?county=%00", 400, "query parameter county: NUL character at byte 0"},
				{"admin", "/api/v1/rates?county=x%FFy", 400, "query parameter county: invalid UTF-8 at byte 1"},
				{"admin", "/api/v1/rates?industry=%1B", 400, "query parameter industry: control character U+001B at byte 0"},
				{"admin", "/api/v1/execution?schedule=%00", 400, "query parameter schedule: NUL character at byte 0"},
				{"admin", "/api/v1/tasks?inspector=%00", 400, "inspector: NUL character at byte 0"},
				{"admin", "/api/v1/tasks.csv?inspector=%FF", 400, "inspector: invalid UTF-8 at byte 0"},
				{"", "/api/v1/tasks.ics?token=spc_%00%00%00%00%00%00%00%00%00%00%00%00_x", 401, ""},
			} {
				status, body := f.do(tc.caller, "GET", tc.path, "")
				if status != tc.status {
					t.Errorf("GET %s = %d, want %d\n%s", tc.path, status, tc.status, body)
					continue
				}
				var want []string
				if tc.want != "" {
					want = []string{tc.want}
				}
				checkProblem(t, tc.path, tc.status, body, want)
			}
		})
	}
}

// TestProblemShapes checks that every kind of error response has the
// documented problem shape with an errors list.
func TestProblemShapes(t *testing.T) {
	f := newFixture(t, "sqlite")
	result := fmt.Sprintf("/api/v1/tasks/%d/result", f.taskA)
	if status, body := f.do("A", "POST", result, `{"outcome":"pass","tested_on":"2026-11-20"}`); status != http.StatusCreated {
		t.Fatalf("POST a result = %d\n%s", status, body)
	}
	for _, tc := range []struct {
		caller, method, path, body string
		status                     int
		want                       string
	}{
		{"admin", "GET", "/api/v1/rates?window=7x", "", 400, `query parameter window: "7x" is not a configured window (30d, 90d, 365d, ytd)`},
		{"", "GET", "/api/v1/plans", "", 401, ""},
		{"viewer", "POST", result, `{}`, 403, ""},
		{"admin", "GET", "/api/v1/plans/999", "", 404, "no plan 999"},
		{"admin", "GET", "/nosuch", "", 404, "no such endpoint: GET /nosuch"},
		{"admin", "DELETE", "/api/v1/plans", "", 405, "method DELETE is not allowed on /api/v1/plans (allowed: GET, HEAD)"},
		{"admin", "PUT", result, "", 405, fmt.Sprintf("method PUT is not allowed on %s (allowed: POST)", result)},
		{"A", "POST", result, `{"outcome":"fail","tested_on":"2026-11-20","failed_items":"pH"}`, 409, ""},
		{"A", "POST", fmt.Sprintf("/api/v1/tasks/%d/sampling", f.taskA), `{"batch_no":"` + strings.Repeat("x", maxBody) + `"}`, 413, fmt.Sprintf("request body is larger than %d bytes", maxBody)},
		{"A", "POST", result, `{"outcome":"maybe","tested_on":"2026-11-20"}`, 422, `outcome: "maybe" is not pass or fail`},
	} {
		status, body := f.do(tc.caller, tc.method, tc.path, tc.body)
		what := tc.method + " " + tc.path
		if status != tc.status {
			t.Errorf("%s as %q = %d, want %d\n%s", what, tc.caller, status, tc.status, body)
			continue
		}
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		checkProblem(t, what, tc.status, body, want)
	}
	// 429 after too many failed attempts from one address.
	var status int
	var body []byte
	for range maxAuthFailures + 1 {
		f.tokens["bad"] = "spotcheck_nosuchtoken"
		status, body = f.do("bad", "GET", "/api/v1/plans", "")
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("after %d failed attempts: %d, want 429", maxAuthFailures+1, status)
	}
	checkProblem(t, "too many failed attempts", 429, body, nil)
}

// TestBadQueryEveryProblem: a query with several bad parameters is
// answered with every problem, each naming its parameter.
func TestBadQueryEveryProblem(t *testing.T) {
	f := newFixture(t, "sqlite")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/api/v1/rates?window=7x&by=town&industry=nosuch&county=%00&final=maybe", []string{
			`query parameter window: "7x" is not a configured window (30d, 90d, 365d, ytd)`,
			`query parameter by: "town" is not tier, industry, category or county`,
			`query parameter industry: "nosuch" is not a configured industry (known: textiles)`,
			"query parameter county: NUL character at byte 0",
			`query parameter final: "maybe" is not true or false`,
		}},
		{"/api/v1/execution?window=7x&schedule=nosuch", []string{
			`query parameter window: "7x" is not a configured window (30d, 90d, 365d, ytd)`,
			`query parameter schedule: "nosuch" is not a configured schedule (none configured)`,
		}},
	} {
		status, body := f.do("admin", "GET", tc.path, "")
		if status != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400\n%s", tc.path, status, body)
			continue
		}
		checkProblem(t, tc.path, status, body, tc.want)
		var p problemBody
		decode(t, body, &p)
		if len(p.Errors) != len(tc.want) {
			t.Errorf("GET %s: errors %q, want exactly %q", tc.path, p.Errors, tc.want)
		}
	}
}
