package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// on returns the date in Shanghai at midnight there, as RecordResults takes it.
func on(date string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, shanghai)
	if err != nil {
		panic(err)
	}
	return d
}

// dayOf is the day of t in its own zone, as storage took the days of
// times before sampling.Day.
func dayOf(t time.Time) sampling.Day { return sampling.DayOf(t, t.Location()) }

// openPlan stores a plan of n textile tasks made on 2026-11-01 and returns
// their ids.
func openPlan(t *testing.T, s *storage.Store, n int) []int64 {
	t.Helper()
	seedRegistry(t, s, n+4)
	p := drawPlan(t, s, sampling.KindScheduled, nominal, n)
	if _, err := s.CommitPlan(t.Context(), &p, ""); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(p.Tasks))
	for i, task := range p.Tasks {
		ids[i] = task.ID
	}
	return ids
}

func pass(id int64, day string) sampling.Result {
	return sampling.Result{TaskID: id, Outcome: sampling.OutcomePass, TestedOn: sampling.Day(day)}
}

func fail(id int64, day, items string) sampling.Result {
	return sampling.Result{TaskID: id, Outcome: sampling.OutcomeFail, TestedOn: sampling.Day(day), FailedItems: items}
}

func retest(r sampling.Result) sampling.Result { r.Retest = true; return r }

// counts sums the rollups by state.
func counts(t *testing.T, s *storage.Store) (prov, final [2]int) {
	t.Helper()
	rollups, err := s.Rollups(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rollups {
		c := &prov
		if r.Final {
			c = &final
		}
		c[0] += r.Tested
		c[1] += r.Failed
	}
	return prov, final
}

func checkCounts(t *testing.T, s *storage.Store, wantProv, wantFinal [2]int) {
	t.Helper()
	prov, final := counts(t, s)
	if prov != wantProv || final != wantFinal {
		t.Errorf("rollups [tested failed]: provisional %v, final %v; want %v, %v", prov, final, wantProv, wantFinal)
	}
}

// checkRebuild asserts that the incremental rollups equal a rebuild.
func checkRebuild(t *testing.T, s *storage.Store) {
	t.Helper()
	rep, err := s.RebuildRollups(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changed != 0 {
		t.Errorf("RebuildRollups() changed %d of %d rows: the incremental rollups were wrong", rep.Changed, rep.Rows)
	}
}

func checkAudit(t *testing.T, s *storage.Store) *storage.AuditReport {
	t.Helper()
	rep, err := s.VerifyAudit(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("VerifyAudit() = %v", rep.Problems)
	}
	return rep
}

func rejected(t *testing.T, err error) *storage.RejectedError {
	t.Helper()
	var rej *storage.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("error = %v, want *RejectedError", err)
	}
	return rej
}

func TestRetest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := storage.WithActor(t.Context(), "inspector:I001")
		ids := openPlan(t, s, 4)
		today := on("2026-11-10")
		first := fail(ids[0], "2026-11-05", "甲醛含量")
		if n, err := s.RecordResults(ctx, []sampling.Result{first, pass(ids[1], "2026-11-05")}, today); n != 2 || err != nil {
			t.Fatalf("RecordResults = %d, %v", n, err)
		}
		checkCounts(t, s, [2]int{2, 1}, [2]int{})

		// A different result without the retest mark is a conflict.
		_, err := s.RecordResults(ctx, []sampling.Result{pass(ids[0], "2026-11-09")}, today)
		if rej := rejected(t, err); !rej.Conflict() || !strings.Contains(rej.Error(), "retest") {
			t.Errorf("RecordResults(different result) = %v, want a conflict that mentions retests", err)
		}
		// The retest supersedes the first result, is final at once and
		// counts on the day of the first test.
		rt := retest(pass(ids[0], "2026-11-09"))
		if n, err := s.RecordResults(ctx, []sampling.Result{rt}, today); n != 1 || err != nil {
			t.Fatalf("RecordResults(retest) = %d, %v; want 1, nil", n, err)
		}
		checkCounts(t, s, [2]int{1, 0}, [2]int{1, 0})
		rollups, err := s.Rollups(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rollups {
			if r.Final && r.Day != "2026-11-05" {
				t.Errorf("retest counts on %s, want the first test's day 2026-11-05", r.Day)
			}
		}
		// Sending the retest again, or the first result again, is a retry.
		for _, again := range []sampling.Result{rt, first} {
			if n, err := s.RecordResults(ctx, []sampling.Result{again}, today); n != 0 || err != nil {
				t.Errorf("RecordResults(%+v again) = %d, %v; want 0, nil", again, n, err)
			}
		}
		hist, err := s.ResultHistory(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].State != sampling.ResultSuperseded || hist[0].Outcome != "fail" ||
			hist[1].Kind != sampling.ResultRetest || hist[1].State != sampling.ResultFinal || hist[1].RecordedBy != "inspector:I001" {
			t.Errorf("ResultHistory = %+v, want the superseded fail then the final retest", hist)
		}
		// A batch is retested once.
		_, err = s.RecordResults(ctx, []sampling.Result{retest(fail(ids[0], "2026-11-10", "x"))}, today)
		if rej := rejected(t, err); !rej.Conflict() || !strings.Contains(rej.Error(), "already retested") {
			t.Errorf("second retest error = %v", err)
		}
		// No result to retest; a retest before the first test.
		_, err = s.RecordResults(ctx, []sampling.Result{retest(pass(ids[2], "2026-11-09")), retest(pass(ids[1], "2026-11-04"))}, today)
		rej := rejected(t, err)
		if got := problemList(rej); !slices.Equal(got, []string{"1 retest", "2 tested_on"}) {
			t.Errorf("problems = %v, want [1 retest, 2 tested_on]\n%v", got, err)
		}
		// After the 15-day objection period the result is final and cannot
		// be retested.
		later := on("2026-11-26")
		if n, err := s.FinalizeResults(ctx, dayOf(later)); n != 1 || err != nil {
			t.Fatalf("FinalizeResults(%s) = %d, %v; want 1, nil", later.Format(time.DateOnly), n, err)
		}
		checkCounts(t, s, [2]int{}, [2]int{2, 0})
		_, err = s.RecordResults(ctx, []sampling.Result{retest(fail(ids[1], "2026-11-20", "x"))}, later)
		if rej := rejected(t, err); !rej.Conflict() || !strings.Contains(rej.Error(), "final") {
			t.Errorf("retest after the period error = %v", err)
		}
		checkRebuild(t, s)
		if rep := checkAudit(t, s); rep.Entries != 3 || rep.Results != 3 {
			t.Errorf("VerifyAudit() checked %d entries, %d results; want 3, 3", rep.Entries, rep.Results)
		}
	})
}

func problemList(rej *storage.RejectedError) []string {
	var out []string
	for _, p := range rej.Problems {
		out = append(out, fmt.Sprintf("%d %s", p.Index+1, p.Field))
	}
	return out
}

func TestObjectionPeriodPerIndustry(t *testing.T) {
	forEachBackendWith(t, withObjection(sampling.ObjectionPolicy{Days: map[string]int{"textiles": 5}, DefaultDays: 15}), func(t *testing.T, s *storage.Store) {
		ids := openPlan(t, s, 3)
		ctx := t.Context()
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[0], "2026-11-05"), fail(ids[1], "2026-11-05", "x"), pass(ids[2], "2026-11-05")}, on("2026-11-06")); err != nil {
			t.Fatal(err)
		}
		hist, _ := s.ResultHistory(ctx, ids[0])
		if got := hist[0].ObjectionUntil; got != "2026-11-11" {
			t.Errorf("ObjectionUntil = %s, want 2026-11-11 (recorded 2026-11-06 + 5 days)", got)
		}
		// The enterprise objects to the failure in time: it stays
		// provisional after the period, until the retest.
		if err := s.RecordObjection(ctx, ids[1], "2026-11-12", dayOf(on("2026-11-12"))); err == nil || !strings.Contains(err.Error(), "after the objection period") {
			t.Errorf("RecordObjection(late) = %v", err)
		}
		if err := s.RecordObjection(ctx, ids[1], "2026-11-10", dayOf(on("2026-11-10"))); err != nil {
			t.Fatalf("RecordObjection = %v", err)
		}
		if rej := rejected(t, s.RecordObjection(ctx, ids[1], "2026-11-10", dayOf(on("2026-11-10")))); !rej.Conflict() {
			t.Errorf("RecordObjection(twice) = %v, want a conflict", rej)
		}
		if n, err := s.FinalizeResults(ctx, dayOf(on("2026-11-12"))); n != 2 || err != nil {
			t.Fatalf("FinalizeResults = %d, %v; want 2 (the objected one waits)", n, err)
		}
		checkCounts(t, s, [2]int{1, 1}, [2]int{2, 0})
		// The retest comes after the period: accepted because of the objection.
		if n, err := s.RecordResults(ctx, []sampling.Result{retest(pass(ids[1], "2026-11-20"))}, on("2026-11-21")); n != 1 || err != nil {
			t.Fatalf("RecordResults(retest after objection) = %d, %v", n, err)
		}
		checkCounts(t, s, [2]int{}, [2]int{3, 0})
		checkRebuild(t, s)
		checkAudit(t, s)
	})
}

func TestWithdrawObjection(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ids := openPlan(t, s, 1)
		ctx := t.Context()
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(ids[0], "2026-11-05", "x")}, on("2026-11-05")); err != nil {
			t.Fatal(err)
		}
		if got := problemList(rejected(t, s.WithdrawObjection(ctx, ids[0], dayOf(on("2026-11-06"))))); !slices.Equal(got, []string{"1 task_id"}) {
			t.Errorf("WithdrawObjection(none lodged) problems = %v, want [1 task_id]", got)
		}
		// Bad objection dates name lodged_on and store nothing.
		for _, lodged := range []string{"6.11.2026", "2026-11-07", "2026-11-04"} { // not a date, in the future, before the test
			err := s.RecordObjection(ctx, ids[0], sampling.Day(lodged), dayOf(on("2026-11-06")))
			if got := problemList(rejected(t, err)); !slices.Equal(got, []string{"1 lodged_on"}) {
				t.Errorf("RecordObjection(%s) problems = %v, want [1 lodged_on]: %v", lodged, got, err)
			}
		}
		if err := s.RecordObjection(ctx, ids[0], "2026-11-06", dayOf(on("2026-11-06"))); err != nil {
			t.Fatal(err)
		}
		if n, err := s.FinalizeResults(ctx, dayOf(on("2026-12-30"))); err != nil || n != 0 {
			t.Errorf("FinalizeResults with an objection pending = %d, %v; want 0, nil", n, err)
		}
		if err := s.WithdrawObjection(ctx, ids[0], dayOf(on("2026-12-30"))); err != nil {
			t.Fatal(err)
		}
		if n, err := s.FinalizeResults(ctx, dayOf(on("2026-12-30"))); n != 1 || err != nil {
			t.Errorf("FinalizeResults after the withdrawal = %d, %v; want 1", n, err)
		}
		checkCounts(t, s, [2]int{}, [2]int{1, 1})
		// A final result takes no objection.
		if rej := rejected(t, s.RecordObjection(ctx, ids[0], "2026-12-30", dayOf(on("2026-12-30")))); !rej.Conflict() {
			t.Errorf("RecordObjection(final result) = %v, want a conflict", rej)
		}
		checkAudit(t, s)
	})
}

func TestCorrectResult(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ids := openPlan(t, s, 2)
		ctx := storage.WithActor(t.Context(), "cli:admin")
		today := on("2026-11-10")
		if _, err := s.RecordResults(ctx, []sampling.Result{fail(ids[0], "2026-11-05", "x"), pass(ids[1], "2026-11-05")}, today); err != nil {
			t.Fatal(err)
		}
		// The lab typed the wrong date and outcome.
		v, err := s.CorrectResult(ctx, pass(ids[0], "2026-11-04"), "lab report R-17 misread", today)
		if err != nil {
			t.Fatalf("CorrectResult = %v", err)
		}
		if v.Version != 2 || v.Kind != sampling.ResultCorrection || v.State != sampling.ResultProvisional || v.CountedOn != "2026-11-04" || v.RecordedBy != "cli:admin" {
			t.Errorf("CorrectResult = %+v", v)
		}
		checkCounts(t, s, [2]int{2, 0}, [2]int{})
		for _, tt := range []struct {
			r      sampling.Result
			reason string
			want   string
		}{
			{pass(ids[0], "2026-11-04"), "again", "nothing to correct"},
			{pass(ids[1], "2026-11-06"), "", "must give its reason"},
			{pass(ids[1], "2026-10-30"), "typo", "before the task's plan"},
			{pass(ids[1], "2026-11-11"), "typo", "in the future"},
			{pass(99999, "2026-11-05"), "typo", "no result to correct"},
		} {
			if _, err := s.CorrectResult(ctx, tt.r, tt.reason, today); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CorrectResult(%+v, %q) = %v, want an error containing %q", tt.r, tt.reason, err, tt.want)
			}
		}
		checkRebuild(t, s)
		rep := checkAudit(t, s)
		entries, err := s.AuditLog(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		last := entries[len(entries)-1]
		if last.Action != storage.ActionCorrect || last.Actor != "cli:admin" || !strings.Contains(last.Before, `"outcome":"fail"`) ||
			!strings.Contains(last.After, "lab report R-17 misread") || rep.HeadHash != last.Hash {
			t.Errorf("last audit entry = %+v", last)
		}
	})
}

// exec runs statements straight on the database, as an intruder would.
func exec(t *testing.T, s *storage.Store, query string, args ...any) {
	t.Helper()
	q := query
	if s.Dialect() == storage.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := s.DB().ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	tamper := []struct {
		name  string
		do    func(t *testing.T, s *storage.Store, ids []int64)
		head  bool // verify against the head hash taken before tampering
		wants string
	}{
		{"audit entry altered", func(t *testing.T, s *storage.Store, _ []int64) {
			exec(t, s, `UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`)
		}, false, "content does not match its hash"},
		{"audit entry removed", func(t *testing.T, s *storage.Store, _ []int64) {
			exec(t, s, `DELETE FROM audit_log WHERE seq = 2`)
		}, false, "audit entries 2 to 2 are missing"},
		{"result altered", func(t *testing.T, s *storage.Store, ids []int64) {
			exec(t, s, `UPDATE results SET outcome = 'pass', failed_items = '' WHERE task_id = ?`, ids[1])
		}, false, "do not match its digest"},
		{"result removed", func(t *testing.T, s *storage.Store, ids []int64) {
			exec(t, s, `DELETE FROM results WHERE task_id = ?`, ids[0])
		}, false, "do not match its digest"},
		{"result added behind the log's back", func(t *testing.T, s *storage.Store, ids []int64) {
			exec(t, s, `INSERT INTO results (task_id, version, outcome, tested_on, counted_on, audit_seq) VALUES (?, 1, 'pass', '2026-11-05', '2026-11-05', 99)`, ids[3])
		}, false, "records none"},
		{"tail cut off with its results", func(t *testing.T, s *storage.Store, ids []int64) {
			exec(t, s, `DELETE FROM results WHERE audit_seq = 3`)
			exec(t, s, `DELETE FROM audit_log WHERE seq = 3`)
		}, true, "not the expected"},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *storage.Store) {
				ctx := t.Context()
				ids := openPlan(t, s, 4)
				today := on("2026-11-10")
				for _, batch := range [][]sampling.Result{
					{pass(ids[0], "2026-11-05"), fail(ids[1], "2026-11-05", "x")},
					{pass(ids[2], "2026-11-06")},
					{retest(pass(ids[1], "2026-11-08"))},
				} {
					if _, err := s.RecordResults(ctx, batch, today); err != nil {
						t.Fatal(err)
					}
				}
				head := checkAudit(t, s).HeadHash
				tt.do(t, s, ids)
				expect := ""
				if tt.head {
					expect = head
				}
				rep, err := s.VerifyAudit(ctx, expect)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), tt.wants) {
					t.Errorf("VerifyAudit() after %s = %q, want a problem containing %q", tt.name, rep.Problems, tt.wants)
				}
			})
		})
	}
}

// dump renders every row of the tables that recording touches.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"results", "rollups", "audit_log", "tasks"} {
		rows, err := db.QueryContext(context.Background(), "SELECT * FROM "+table+" ORDER BY 1, 2, 3")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// TestRejectedImportChangesNothing sends a batch with one of each bad input
// on top of stored results: every problem is listed, with its row, and no
// table changes.
func TestRejectedImportChangesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 8)
		today := on("2026-11-20")
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[0], "2026-11-05")}, today); err != nil {
			t.Fatal(err)
		}
		// Close a second plan to have a task of a plan that is not open.
		closed := drawPlan(t, s, sampling.KindManual, nominal, 2)
		if _, err := s.CommitPlan(ctx, &closed, "admin"); err != nil {
			t.Fatal(err)
		}
		exec(t, s, `UPDATE plans SET status = 'closed' WHERE id = ?`, closed.ID)
		before := dump(t, s.DB())
		batch := []sampling.Result{
			pass(ids[1], "2026-11-10"), // good
			pass(99999, "2026-11-10"),  // unknown task
			pass(closed.Tasks[0].ID, "2026-11-10"),
			{TaskID: ids[2], Outcome: "passed", TestedOn: "2026-11-10"},
			pass(ids[3], "2026-11-21"),                                // future
			pass(ids[4], "2026-10-31"),                                // before the plan (made 2026-11-01 in Shanghai)
			{TaskID: ids[5], Outcome: "fail", TestedOn: "2026-11-10"}, // no failed items
			fail(ids[0], "2026-11-06", "x"),                           // conflict
			retest(pass(ids[6], "2026-11-10")),                        // nothing to retest
			pass(ids[7], "2026-11-01"),                                // the plan's own day: good
			{TaskID: ids[1], Outcome: "fail", TestedOn: "2026-11-10"}, // twice in the batch
		}
		_, err := s.RecordResults(ctx, batch, today)
		rej := rejected(t, err)
		want := []string{"2 task_id", "3 task_id", "4 outcome", "5 tested_on", "6 tested_on", "7 failed_items", "8 task_id", "9 retest", "11 task_id"}
		if got := problemList(rej); !slices.Equal(got, want) {
			t.Errorf("problems = %v\nwant       %v\n%v", got, want, err)
		}
		if rej.Conflict() {
			t.Error("Conflict() = true for a batch with bad rows, want false")
		}
		if after := dump(t, s.DB()); after != before {
			t.Errorf("a rejected batch changed the tables:\nbefore\n%s\nafter\n%s", before, after)
		}

		// A batch of first results only is checked through its counts by
		// plan and cell, and then row by row: the same problems are listed.
		firsts := []sampling.Result{
			pass(ids[1], "2026-11-10"), // good
			pass(99999, "2026-11-10"),  // unknown task
			pass(closed.Tasks[1].ID, "2026-11-10"),
			pass(ids[4], "2026-10-31"), // before the plan
			{TaskID: ids[5], Outcome: "pass", TestedOn: "10/11/2026"},
			{TaskID: 0, Outcome: "pass", TestedOn: "2026-11-10"},
			{TaskID: ids[6], Outcome: "pass", TestedOn: "2026-11-10", FailedItems: "x"}, // a pass with failed items
		}
		_, err = s.RecordResults(ctx, firsts, today)
		rej = rejected(t, err)
		want = []string{"2 task_id", "3 task_id", "4 tested_on", "5 tested_on", "6 task_id", "7 failed_items"}
		if got := problemList(rej); !slices.Equal(got, want) {
			t.Errorf("problems of a batch of first results = %v\nwant %v\n%v", got, want, err)
		}
		if after := dump(t, s.DB()); after != before {
			t.Errorf("a rejected batch of first results changed the tables:\nbefore\n%s\nafter\n%s", before, after)
		}
	})
}
