package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
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
