package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestRatesHistoryParameters: GET /api/v1/rates/history takes a step of
// whole days and from 1 to MaxHistoryPoints points, both ends included,
// and answers the days, a step apart and ending today, whose window holds
// batches (results tested on 2026-11-10, today 2026-11-20, window 30d).
func TestRatesHistoryParameters(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	var csv strings.Builder
	csv.WriteString("task_id,outcome,tested_on\n")
	for _, task := range f.plan.Tasks {
		fmt.Fprintf(&csv, "%d,pass,2026-11-10\n", task.ID)
	}
	if status, body := f.do("admin", http.MethodPost, "/api/v1/results", csv.String()); status != http.StatusOK {
		t.Fatalf("import results = %d %s", status, body)
	}
	for _, tc := range []struct {
		query, step string
		dates       []string
	}{
		{"step=1d&points=1", "1d", []string{"2026-11-20"}},
		{"step=7d&points=3", "7d", []string{"2026-11-13", "2026-11-20"}},
		{"step=14d&points=2", "14d", []string{"2026-11-20"}},
		{fmt.Sprintf("step=1d&points=%d", monitor.MaxHistoryPoints), "1d", []string{"2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13",
			"2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"}},
		{"points=1", "7d", []string{"2026-11-20"}},
	} {
		status, body := f.do("viewer", http.MethodGet, "/api/v1/rates/history?tier=general&window=30d&"+tc.query, "")
		var got HistoryResponse
		if status != http.StatusOK {
			t.Errorf("GET ?%s = %d %s, want 200", tc.query, status, body)
			continue
		}
		decode(t, body, &got)
		var dates []string
		for _, p := range got.Points {
			dates = append(dates, p.Date.String())
		}
		if got.Tier != "general" || got.Window != "30d" || got.Step != tc.step || !slices.Equal(dates, tc.dates) {
			t.Errorf("GET ?%s = %s %s step %s, dates %q; want general 30d step %s, dates %q", tc.query, got.Tier, got.Window, got.Step, dates, tc.step, tc.dates)
		}
	}
}

// TestPublicPlansLimitAndIndustryName: the public list of plans takes a
// limit from 1 to 1000, both ends included, and names a closed plan's
// industry as configured.
func TestPublicPlansLimitAndIndustryName(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	if _, err := f.store.ClosePlans(t.Context(), sampling.NewDay(2027, 2, 1), f.clock.now()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit  string
		status int
	}{{"0", 400}, {"1", 200}, {"1000", 200}, {"1001", 400}} {
		status, body := f.do("", http.MethodGet, "/api/v1/public/plans?limit="+tc.limit, "")
		if status != tc.status {
			t.Errorf("GET /api/v1/public/plans?limit=%s = %d %s, want %d", tc.limit, status, body, tc.status)
		}
	}
	_, body := f.do("", http.MethodGet, "/api/v1/public/plans", "")
	var list struct {
		Plans []publicPlan `json:"plans"`
	}
	decode(t, body, &list)
	if len(list.Plans) != 1 || list.Plans[0].Industry != "textiles" || list.Plans[0].IndustryName != "纺织服装" {
		t.Errorf("public plans = %+v, want the closed plan of textiles, 纺织服装", list.Plans)
	}
}

// TestPlansList: GET /api/v1/plans lists the stored plans.
func TestPlansList(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	_, body := f.do("admin", http.MethodGet, "/api/v1/plans", "")
	var list struct {
		Plans []struct{ ID int64 } `json:"plans"`
	}
	decode(t, body, &list)
	if len(list.Plans) != 1 || list.Plans[0].ID != f.plan.ID {
		t.Errorf("GET /api/v1/plans = %s, want plan %d", body, f.plan.ID)
	}
}
