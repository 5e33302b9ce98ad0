package httpapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storagetest"
)

// TestConfidentiality: before a plan closes only admins and its assigned
// inspectors see its tasks, each inspector only its own, and nobody but
// admins its seed; the public sees only the commitment.
func TestConfidentiality(t *testing.T) {
	f := newFixture(t, "sqlite")
	for _, c := range []struct {
		caller    string
		wantTasks []int64
		wantSeed  bool
	}{
		{"viewer", nil, false},
		{"A", f.tasksOf("I001"), false},
		{"B", f.tasksOf("I002"), false},
		{"admin", f.tasksOf(""), true},
	} {
		if c.caller == "admin" {
			for _, task := range f.plan.Tasks {
				c.wantTasks = append(c.wantTasks, task.ID)
			}
			slices.Sort(c.wantTasks)
		}
		_, body := f.do(c.caller, "GET", fmt.Sprintf("/api/v1/plans/%d", f.plan.ID), "")
		var p sampling.Plan
		decode(t, body, &p)
		var got []int64
		for _, task := range p.Tasks {
			got = append(got, task.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.wantTasks) || (p.Seed != "") != c.wantSeed {
			t.Errorf("GET plan as %s: tasks %v, seed %q; want tasks %v, seed shown %t", c.caller, got, p.Seed, c.wantTasks, c.wantSeed)
		}
		if c.caller == "A" || c.caller == "B" {
			_, body := f.do(c.caller, "GET", "/api/v1/tasks", "")
			if got := taskIDs(t, body); !slices.Equal(got, c.wantTasks) {
				t.Errorf("GET /api/v1/tasks as %s = %v, want %v", c.caller, got, c.wantTasks)
			}
		}
	}
	_, body := f.do("", "GET", fmt.Sprintf("/api/v1/public/plans/%d", f.plan.ID), "")
	var open map[string]any
	decode(t, body, &open)
	if len(open) != 4 || open["commitment"] != f.plan.Commitment || open["status"] != "open" {
		t.Errorf("public view of an open plan = %v, want only id, status, commitment and its time", open)
	}
	if got, _ := f.do("A", "GET", "/api/v1/tasks?inspector=I002", ""); got != http.StatusBadRequest {
		t.Errorf("inspector A asking for I002's tasks = %d, want 400", got)
	}
}

// TestFeedAndCSV: the calendar feed parses with a real iCalendar parser and
// holds one event per open task; the CSV starts with a BOM and reads back
// with the right characters.
func TestFeedAndCSV(t *testing.T) {
	f := newFixture(t, "sqlite")
	own := f.tasksOf("I001")
	// One of A's tasks is done: it leaves the feed.
	if got, body := f.do("A", "POST", fmt.Sprintf("/api/v1/tasks/%d/refusal", own[0]), `{"reason":"no_such_product"}`); got != http.StatusOK {
		t.Fatalf("refusal = %d: %s", got, body)
	}
	resp, err := http.Get(f.srv.URL + "/api/v1/tasks.ics?token=" + f.tokens["feedA"])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("feed Content-Type = %q, want text/calendar", ct)
	}
	cal, err := ics.ParseCalendar(resp.Body)
	if err != nil {
		t.Fatalf("parse the feed: %v", err)
	}
	events := cal.Events()
	if len(events) != len(own)-1 {
		t.Fatalf("feed has %d events, want %d (A's open tasks)", len(events), len(own)-1)
	}
	for _, ev := range events {
		uid := ev.GetProperty(ics.ComponentPropertyUniqueId).Value
		var id int64
		fmt.Sscanf(uid, "spotcheck-task-%d", &id)
		if !slices.Contains(own[1:], id) {
			t.Errorf("feed event %s is not an open task of A (%v)", uid, own[1:])
		}
		start, err := ev.GetAllDayStartAt()
		if err != nil || start.Format(time.DateOnly) != "2026-12-01" {
			t.Errorf("event %s starts %v (%v), want the due date 2026-12-01", uid, start, err)
		}
		summary := ev.GetProperty(ics.ComponentPropertySummary).Value
		desc := ev.GetProperty(ics.ComponentPropertyDescription).Value
		loc := ev.GetProperty(ics.ComponentPropertyLocation).Value
		if !strings.Contains(summary, "服装有限公司") || !strings.Contains(desc, "检验样") || (loc != "姑苏区" && loc != "吴江区") {
			t.Errorf("event %s: summary %q, location %q, description %q; want enterprise, county and quantity", uid, summary, loc, desc)
		}
	}

	// The same feed in English.
	en, err := http.Get(f.srv.URL + "/api/v1/tasks.ics?lang=en&token=" + f.tokens["feedA"])
	if err != nil {
		t.Fatal(err)
	}
	defer en.Body.Close()
	cal, err = ics.ParseCalendar(en.Body)
	if err != nil || len(cal.Events()) != len(own)-1 {
		t.Fatalf("parse the English feed: %v", err)
	}
	for _, ev := range cal.Events() {
		summary := ev.GetProperty(ics.ComponentPropertySummary).Value
		desc := ev.GetProperty(ics.ComponentPropertyDescription).Value
		if !strings.HasPrefix(summary, "Spot check: ") || !strings.Contains(desc, "Due: 2026-12-01") || !strings.Contains(desc, "Status: assigned") {
			t.Errorf("English event: summary %q, description %q; want English texts", summary, desc)
		}
	}

	code, body := f.do("A", "GET", "/api/v1/tasks.csv", "")
	if code != http.StatusOK || !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("GET tasks.csv = %d, starts %q; want 200 and a UTF-8 BOM", code, body[:min(3, len(body))])
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(own)+1 || rows[0][0] != "task_id" {
		t.Fatalf("tasks.csv has %d rows (header %v), want a header and %d tasks", len(rows), rows[0], len(own))
	}
	for _, row := range rows[1:] {
		if !strings.HasPrefix(row[4], "苏州第") || (row[8] != "服装" && row[8] != "童装") {
			t.Errorf("CSV row %v: enterprise %q, category name %q; want the Chinese names intact", row, row[4], row[8])
		}
	}
	if got, body := f.do("A", "GET", "/api/v1/tasks?status=refused", ""); got != http.StatusOK || !slices.Equal(taskIDs(t, body), own[:1]) {
		t.Errorf("GET tasks?status=refused = %d %v, want [%d]", got, taskIDs(t, body), own[0])
	}
	if got, _ := f.do("A", "GET", "/api/v1/tasks?status=lost&from=yesterday", ""); got != http.StatusBadRequest {
		t.Errorf("GET tasks with a bad status and date = %d, want 400", got)
	}
}

// TestLifecycle walks tasks through sampling, result and closing, rejects
// invalid moves with the reason, records who and when, closes the plan when
// all tasks are done and publishes a record that verifies. Both backends.
func TestLifecycle(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			a := f.taskA
			post := func(caller, path, body string, want int) []byte {
				t.Helper()
				got, resp := f.do(caller, "POST", path, body)
				if got != want {
					t.Fatalf("POST %s %s as %s = %d, want %d\n%s", path, body, caller, got, want, resp)
				}
				return resp
			}
			task := func(id int64, suffix string) string { return fmt.Sprintf("/api/v1/tasks/%d%s", id, suffix) }

			if body := post("A", task(a, "/close"), "", http.StatusConflict); !strings.Contains(string(body), "only a tested task can be closed") {
				t.Errorf("closing an assigned task: %s; want the reason", body)
			}
			body := post("A", task(a, "/sampling"), `{"sampled_on":"2026-11-30","batch_no":"","quantity":-1,"seals":""}`, http.StatusUnprocessableEntity)
			for _, field := range []string{"sampled_on", "batch_no", "quantity", "seals"} {
				if !strings.Contains(string(body), field+":") {
					t.Errorf("bad sampling: %s; want a problem with %s", body, field)
				}
			}
			post("A", task(a, "/sampling"), `{"sampled_on":"2026-11-19","batch_no":"20261101-3","quantity":4,"seals":"F001, F002"}`, http.StatusOK)
			post("A", task(a, "/sampling"), `{"sampled_on":"2026-11-19","batch_no":"x","quantity":1,"seals":["F3"]}`, http.StatusConflict)
			post("A", task(a, "/refusal"), `{"reason":"not_for_sale"}`, http.StatusConflict)
			post("A", task(a, "/result"), `{"outcome":"fail","tested_on":"2026-11-20","report_no":"R-1","failed_items":"纤维含量"}`, http.StatusCreated)
			body = post("A", task(a, "/close"), "", http.StatusOK)
			var v taskView
			decode(t, body, &v)
			if v.State != sampling.TaskClosed || v.Sampling == nil || len(v.Sampling.Seals) != 2 || v.Result == nil || v.Result.Outcome != "fail" {
				t.Errorf("closed task = %+v, want closed with its sampling (2 seals) and failed result", v)
			}
			var moves []string
			for _, e := range v.Events {
				moves = append(moves, e.From+"→"+e.To)
				if !strings.Contains(e.Actor, f.tokIDs["A"]) || !strings.Contains(e.Actor, "I001") || e.At.IsZero() {
					t.Errorf("event %+v: want A's token id, I001 and a time", e)
				}
				if strings.Contains(e.Actor, f.tokens["A"]) {
					t.Errorf("event %+v holds the token's secret", e)
				}
			}
			if want := []string{"assigned→sampled", "sampled→tested", "tested→closed"}; !slices.Equal(moves, want) {
				t.Errorf("events = %v, want %v", moves, want)
			}
			post("A", task(a, "/result"), `{"outcome":"pass","tested_on":"2026-11-20"}`, http.StatusConflict)
			post("B", task(f.taskB, "/refusal"), `{"reason":"other"}`, http.StatusUnprocessableEntity) // other needs a note

			// Finish the rest as the admin: the plan closes with the last.
			for i, pt := range f.plan.Tasks {
				switch {
				case pt.ID == a:
				case i%2 == 0:
					post("admin", task(pt.ID, "/refusal"), `{"reason":"production_stopped"}`, http.StatusOK)
				default:
					post("admin", task(pt.ID, "/result"), `{"outcome":"pass","tested_on":"2026-11-20","report_no":"R-2"}`, http.StatusCreated)
					post("admin", task(pt.ID, "/close"), "", http.StatusOK)
				}
			}
			code, body := f.do("", "GET", fmt.Sprintf("/api/v1/public/plans/%d", f.plan.ID), "")
			if code != http.StatusOK {
				t.Fatalf("public record = %d: %s", code, body)
			}
			rec, err := publication.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("public record: %v\n%s", err, body)
			}
			if rec.Plan.Status != "closed" || rec.Plan.ClosedReason == "" || rec.Plan.Seed == "" || rec.Bulletin.Failed != 1 ||
				len(rec.Bulletin.FailedBatches) != 1 || rec.Bulletin.FailedBatches[0].TaskID != a {
				t.Errorf("public record plan %+v bulletin %+v; want closed, seed shown, task %d the one failed batch", rec.Plan, rec.Bulletin, a)
			}
			if diffs := publication.Verify(rec, publication.Options{Commitment: f.plan.Commitment}); len(diffs) != 0 {
				t.Errorf("Verify(public record) = %q, want none", diffs)
			}
			_, body = f.do("viewer", "GET", fmt.Sprintf("/api/v1/plans/%d", f.plan.ID), "")
			var p sampling.Plan
			decode(t, body, &p)
			if len(p.Tasks) != len(f.plan.Tasks) || p.Seed == "" {
				t.Errorf("a viewer sees %d tasks and seed %q of the closed plan, want all %d and the seed", len(p.Tasks), p.Seed, len(f.plan.Tasks))
			}
		})
	}
}
