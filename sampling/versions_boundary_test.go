package sampling

import "testing"

// first is a provisional first result of task 7, tested on 2026-03-10,
// open to objection until 2026-03-25.
func first() ResultVersion {
	return ResultVersion{TaskID: 7, Version: 1, Kind: ResultFirst, Outcome: OutcomeFail, TestedOn: "2026-03-10",
		ReportNo: "R-1", FailedItems: "fibre content", CountedOn: "2026-03-10", State: ResultProvisional, ObjectionUntil: "2026-03-25"}
}

// TestEffectiveLastVersionSuperseded: the effective version is the one
// not superseded, found from the newest back even when the newest is
// superseded.
func TestEffectiveLastVersionSuperseded(t *testing.T) {
	a, b := first(), first()
	a.State = ResultFinal
	b.Version, b.State = 2, ResultSuperseded
	got := ResultHistory{a, b}.Effective()
	if got == nil || got.Version != 1 {
		t.Fatalf("Effective of [final v1, superseded v2] = %+v, want version 1", got)
	}
	if got := (ResultHistory{b}).Effective(); got != nil {
		t.Errorf("Effective of [superseded v2] = %+v, want nil", got)
	}
}

// TestRetestOnTheResultsDay: a retest on the day of the result it
// retests is taken; one the day before is refused, naming tested_on.
func TestRetestOnTheResultsDay(t *testing.T) {
	h := ResultHistory{first()}
	r := Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-03-10", ReportNo: "R-2", Retest: true}
	v, err := h.Accept(r, false)
	if err != nil {
		t.Fatalf("retest on the result's own day refused: %v", err)
	}
	want := ResultVersion{TaskID: 7, Version: 2, Kind: ResultRetest, Outcome: OutcomePass, TestedOn: "2026-03-10",
		ReportNo: "R-2", CountedOn: "2026-03-10", State: ResultFinal}
	if v != want {
		t.Errorf("retest on the result's day = %+v, want %+v", v, want)
	}
	r.TestedOn = "2026-03-09"
	if _, err := h.Accept(r, false); err == nil || err.Field != "tested_on" || err.Conflict {
		t.Errorf("retest the day before the result: %+v, want a tested_on error, not a conflict", err)
	}
}

// TestCorrectSameContentEachKind: a correction that reads as the effective
// version is refused, whether that version is a first result or a retest
// (the correction takes the retest mark of the version it corrects).
func TestCorrectSameContentEachKind(t *testing.T) {
	f := first()
	same := Result{TaskID: 7, Outcome: f.Outcome, TestedOn: f.TestedOn, ReportNo: f.ReportNo, FailedItems: f.FailedItems}
	if _, err := (ResultHistory{f}).Correct(same, "typo"); err == nil || err.Field != "task_id" {
		t.Errorf("correcting a first result to what it reads: %+v, want a task_id error", err)
	}
	f.State = ResultSuperseded
	re := ResultVersion{TaskID: 7, Version: 2, Kind: ResultRetest, Outcome: OutcomePass, TestedOn: "2026-03-12",
		ReportNo: "R-2", CountedOn: "2026-03-10", State: ResultFinal}
	sameRetest := Result{TaskID: 7, Outcome: re.Outcome, TestedOn: re.TestedOn, ReportNo: re.ReportNo}
	if _, err := (ResultHistory{f, re}).Correct(sameRetest, "typo"); err == nil || err.Field != "task_id" {
		t.Errorf("correcting a retest to what it reads: %+v, want a task_id error", err)
	}
	sameRetest.ReportNo = "R-3"
	v, err := (ResultHistory{f, re}).Correct(sameRetest, "report number")
	if err != nil || v.Version != 3 || v.Kind != ResultCorrection || v.CountedOn != "2026-03-10" || v.ReportNo != "R-3" {
		t.Errorf("correcting a retest's report number = %+v, %v; want version 3, a correction counted on 2026-03-10", v, err)
	}
}

// TestObjectionPeriodBothEnds: an objection lodged on the last day of the
// period, or on the day of the test, is taken; the day after the period
// and the day before the test are refused, naming lodged_on.
func TestObjectionPeriodBothEnds(t *testing.T) {
	h := ResultHistory{first()}
	for _, tc := range []struct {
		lodged, today Day
		ok            bool
	}{
		{"2026-03-25", "2026-03-25", true},  // the period's last day
		{"2026-03-26", "2026-03-26", false}, // the day after
		{"2026-03-10", "2026-03-12", true},  // the test's day
		{"2026-03-09", "2026-03-12", false}, // the day before the test
	} {
		before, after, err := h.Object(7, tc.lodged, tc.today)
		if tc.ok {
			if err != nil || after.ObjectedOn != tc.lodged || before.ObjectedOn != "" {
				t.Errorf("objection lodged %s (today %s) = %v, after %q; want taken", tc.lodged, tc.today, err, after.ObjectedOn)
			}
			continue
		}
		if err == nil || err.Field != "lodged_on" {
			t.Errorf("objection lodged %s (today %s) = %+v; want a lodged_on error", tc.lodged, tc.today, err)
		}
	}
}

// TestObjectionPolicyZeroDaysFallsBack: an industry given 0 days, like one
// not given at all, gets the default period; a default of 0 is 15 days.
func TestObjectionPolicyZeroDaysFallsBack(t *testing.T) {
	p := ObjectionPolicy{Days: map[string]int{"textiles": 0, "toys": 1}, DefaultDays: 20}
	for _, tc := range []struct {
		industry string
		want     Day
	}{
		{"textiles", "2026-03-30"},
		{"fertilizer", "2026-03-30"},
		{"toys", "2026-03-11"},
	} {
		if got := p.Until(tc.industry, "2026-03-10"); got != tc.want {
			t.Errorf("Until(%s, 2026-03-10) = %s, want %s", tc.industry, got, tc.want)
		}
	}
	if got := (ObjectionPolicy{}).Until("textiles", "2026-03-10"); got != "2026-03-25" {
		t.Errorf("Until with no policy = %s, want 2026-03-25 (15 days)", got)
	}
}
