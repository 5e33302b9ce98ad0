package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// One bad query parameter at a time: each is answered 400, naming it.
func TestBadRatesQuery(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	for _, tc := range []struct {
		path, param string
	}{
		{"/api/v1/rates/history?tier=gold", "tier"},
		{"/api/v1/rates/history?window=7d", "window"},
		{"/api/v1/rates/history?step=12h", "step"},
		{"/api/v1/rates/history?step=0d", "step"},
		{"/api/v1/rates/history?step=x", "step"},
		{"/api/v1/rates/history?points=0", "points"},
		{"/api/v1/rates/history?points=abc", "points"},
		{fmt.Sprintf("/api/v1/rates/history?points=%d", monitor.MaxHistoryPoints+1), "points"},
		{"/api/v1/rates?by=x", "by"},
		{"/api/v1/rates?window=x", "window"},
		{"/api/v1/rates?final=maybe", "final"},
		{"/api/v1/rates?industry=nosuch", "industry"},
	} {
		status, body := f.do("viewer", http.MethodGet, tc.path, "")
		if want := "query parameter " + tc.param; status != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d, want 400 naming %q\n%s", tc.path, status, want, body)
		}
	}
}

// The public list shows an open plan's commitment only, and a closed
// plan's verification material with when it closed and where its record is.
func TestPublicPlansContent(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	ctx := t.Context()
	closedAt := time.Date(2026, 12, 5, 10, 0, 0, 0, shanghai)
	if ids, err := f.store.ClosePlans(ctx, sampling.Today(closedAt, f.cfg.Location), closedAt); err != nil || len(ids) != 1 || ids[0] != f.plan.ID {
		t.Fatalf("ClosePlans = %v, %v; want plan %d closed", ids, err, f.plan.ID)
	}
	in := *f.plan.Inputs
	in.Spec.NominalTime = time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)
	in.Spec.Due = time.Date(2027, 1, 1, 9, 0, 0, 0, shanghai)
	open, err := in.Redraw(make([]byte, sampling.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	open.Inputs = &in
	if made, err := f.store.CommitPlan(ctx, &open, "test"); err != nil || !made {
		t.Fatalf("CommitPlan = %v, %v; want a stored plan", made, err)
	}

	status, body := f.do("", http.MethodGet, "/api/v1/public/plans", "")
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/public/plans = %d\n%s", status, body)
	}
	var got struct {
		Plans []map[string]any `json:"plans"`
	}
	decode(t, body, &got)
	byID := map[float64]map[string]any{}
	for _, p := range got.Plans {
		byID[p["id"].(float64)] = p
	}
	o, c := byID[float64(open.ID)], byID[float64(f.plan.ID)]
	if o == nil || c == nil {
		t.Fatalf("public plans = %s, want plans %d and %d", body, open.ID, f.plan.ID)
	}
	if o["status"] != sampling.PlanOpen || o["commitment"] != open.Commitment {
		t.Errorf("open plan = %v, want status open and its commitment", o)
	}
	for _, key := range []string{"seed", "algorithm", "frame_digest", "closed_at", "record"} {
		if v, ok := o[key]; ok {
			t.Errorf("open plan shows %s = %v, want it left out until the plan closes", key, v)
		}
	}
	if c["status"] != sampling.PlanClosed || c["seed"] != f.plan.Seed || c["algorithm"] != f.plan.Algorithm || c["commitment"] != f.plan.Commitment {
		t.Errorf("closed plan = %v, want status closed with its seed %s, algorithm %s and commitment", c, f.plan.Seed, f.plan.Algorithm)
	}
	if at, _ := c["closed_at"].(string); at == "" {
		t.Errorf("closed plan closed_at = %v, want when it closed", c["closed_at"])
	} else if tm, err := time.Parse(time.RFC3339Nano, at); err != nil || !tm.Equal(closedAt) {
		t.Errorf("closed plan closed_at = %s (%v), want %s", at, err, closedAt)
	}
	record := fmt.Sprintf("/api/v1/public/plans/%d", f.plan.ID)
	if c["record"] != record {
		t.Errorf("closed plan record = %v, want %s", c["record"], record)
	}
	status, body = f.do("", http.MethodGet, record, "")
	var rec struct {
		Plan struct {
			ID   int64  `json:"id"`
			Seed string `json:"seed"`
		} `json:"plan"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &rec) != nil || rec.Plan.ID != f.plan.ID || rec.Plan.Seed != f.plan.Seed {
		t.Fatalf("GET %s = %d, want 200 with the record of plan %d\n%s", record, status, f.plan.ID, body)
	}
}

// GET /api/v1/execution: the plan's tasks are open while it is, and lapsed
// once it closed without their results; bad parameters are named.
func TestExecution(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	ctx := t.Context()
	get := func() string {
		t.Helper()
		if err := f.mon.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		status, body := f.do("viewer", http.MethodGet, "/api/v1/execution?window=365d", "")
		if status != http.StatusOK {
			t.Fatalf("GET /api/v1/execution = %d\n%s", status, body)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			t.Fatal(err)
		}
		return compact.String()
	}
	if got, want := get(), `{"as_of":"2026-11-20T10:00:00+08:00","execution":[{"schedule":"textiles-monthly","window":"365d","planned":4,"tested":0,"refused":0,"lapsed":0,"open":4,"ratio":null}]}`; strings.TrimSpace(got) != want {
		t.Errorf("execution while the plan is open = %s, want %s", got, want)
	}
	closedAt := time.Date(2026, 12, 5, 10, 0, 0, 0, shanghai)
	f.clock.set(closedAt)
	if _, err := f.store.ClosePlans(ctx, sampling.Today(closedAt, f.cfg.Location), closedAt); err != nil {
		t.Fatal(err)
	}
	if got, want := get(), `{"as_of":"2026-12-05T10:00:00+08:00","execution":[{"schedule":"textiles-monthly","window":"365d","planned":4,"tested":0,"refused":0,"lapsed":4,"open":0,"ratio":0}]}`; strings.TrimSpace(got) != want {
		t.Errorf("execution after the plan closed = %s, want %s", got, want)
	}
	for _, tc := range []struct{ path, param string }{
		{"/api/v1/execution?window=7d", "window"},
		{"/api/v1/execution?schedule=nope", "schedule"},
	} {
		status, body := f.do("viewer", http.MethodGet, tc.path, "")
		if want := "query parameter " + tc.param; status != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d, want 400 naming %q\n%s", tc.path, status, want, body)
		}
	}
}
