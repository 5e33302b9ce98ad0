package httpapi

import (
	"fmt"
	"net/http"
	"testing"

	"spotcheck/storage"
)

// TestTasksQueryEachParameter: each query parameter of GET /api/v1/tasks
// is checked at its edge: a status outside the states, "overdue" and
// "open"; a due date that is not one; a plan id of 0 or below; another
// inspector asked for by an inspector. Each is answered 400 naming it;
// the values just inside are taken.
func TestTasksQueryEachParameter(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	for _, tc := range []struct {
		caller, query string
		want          string // the error; "" for 200
	}{
		{"admin", "status=bogus", `status: "bogus" is not one of assigned, sampled, tested, closed, refused, lapsed, overdue, open`},
		{"admin", "status=overdue", ""},
		{"admin", "status=open", ""},
		{"admin", "status=assigned,%20lapsed", ""},
		{"admin", "from=2026-13-01", `from: "2026-13-01" is not a date YYYY-MM-DD`},
		{"admin", "to=1%2F12%2F2026", `to: "1/12/2026" is not a date YYYY-MM-DD`},
		{"admin", "from=2026-11-01&to=2026-12-31", ""},
		{"admin", "plan=0", `plan: "0" is not a plan id`},
		{"admin", "plan=-1", `plan: "-1" is not a plan id`},
		{"admin", fmt.Sprintf("plan=%d", f.plan.ID), ""},
		{"A", "inspector=I002", "inspector: an inspector sees only its own tasks"},
		{"A", "inspector=I001", ""},
		{"admin", "inspector=I002", ""},
	} {
		status, body := f.do(tc.caller, http.MethodGet, "/api/v1/tasks?"+tc.query, "")
		if tc.want == "" {
			if status != http.StatusOK {
				t.Errorf("GET /api/v1/tasks?%s as %s = %d, want 200\n%s", tc.query, tc.caller, status, body)
			}
			continue
		}
		checkProblem(t, "GET /api/v1/tasks?"+tc.query, http.StatusBadRequest, body, []string{tc.want})
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/v1/tasks/0", http.StatusBadRequest},
		{"/api/v1/tasks/-1", http.StatusBadRequest},
		{fmt.Sprintf("/api/v1/tasks/%d", f.taskA), http.StatusOK},
	} {
		if status, body := f.do("admin", http.MethodGet, tc.path, ""); status != tc.status {
			t.Errorf("GET %s = %d, want %d\n%s", tc.path, status, tc.status, body)
		}
	}
}
