package sampling

import (
	"fmt"
	"slices"
	"testing"
)

func TestResultCheck(t *testing.T) {
	today := Day("2026-11-20")
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"pass", Result{TaskID: 1, Outcome: OutcomePass, TestedOn: "2026-11-20"}, "[]"},
		{"fail", Result{TaskID: 1, Outcome: OutcomeFail, TestedOn: "2026-11-19", FailedItems: "标识"}, "[]"},
		{"white space names nothing on a pass", Result{TaskID: 1, Outcome: OutcomePass, TestedOn: "2026-11-19", FailedItems: " \t"}, "[]"},
		{"white space names nothing on a fail", Result{TaskID: 1, Outcome: OutcomeFail, TestedOn: "2026-11-19", FailedItems: "  "},
			"[failed_items: a failed batch must name its failed items]"},
		{"pass with items", Result{TaskID: 1, Outcome: OutcomePass, TestedOn: "2026-11-19", FailedItems: "x"},
			"[failed_items: a passed batch has no failed items]"},
		{"everything wrong", Result{Outcome: "maybe", TestedOn: "2026-11-21"},
			"[task_id: must be a positive task id outcome: \"maybe\" is not pass or fail tested_on: 2026-11-21 is in the future (today is 2026-11-20)]"},
		{"no date", Result{TaskID: 2, Outcome: OutcomePass, TestedOn: "20.11.2026"}, `[tested_on: "20.11.2026" is not a date YYYY-MM-DD]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(tt.r.Check(today)); got != tt.want {
				t.Errorf("Check(%+v) = %s, want %s", tt.r, got, tt.want)
			}
		})
	}
}

func TestResultHistory(t *testing.T) {
	first := FirstVersion(Result{TaskID: 7, Outcome: OutcomeFail, TestedOn: "2026-11-04", FailedItems: "标识"})
	first.ObjectionUntil = "2026-11-19"
	objected := first
	objected.ObjectedOn = "2026-11-06"
	final := first
	final.State = ResultFinal
	retest := Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-10", Retest: true}
	retested, rerr := ResultHistory{first}.Accept(retest, false)
	if rerr != nil {
		t.Fatal(rerr)
	}
	superseded := first
	superseded.State = ResultSuperseded
	twice := ResultHistory{superseded, retested}

	tests := []struct {
		name    string
		h       ResultHistory
		r       Result
		refused bool
		want    string
	}{
		{"first", nil, Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-04"}, false, "version 1 first provisional counted on 2026-11-04"},
		{"first again", ResultHistory{first}, Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-04"}, false, "conflict task_id: task 7 already has a different result (fail on 2026-11-04); a re-inspection on objection is recorded as a retest, a mistake is fixed with spotcheck result correct"},
		{"refused", nil, Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-04"}, true, "task_id: task 7: the task is refused: nothing more can be recorded"},
		{"retest", ResultHistory{first}, retest, false, "version 2 retest final counted on 2026-11-04"},
		{"retest of nothing", nil, retest, false, "retest: task 7 has no result to retest"},
		{"retest twice", twice, retest, false, "conflict retest: task 7 was already retested (pass on 2026-11-10); a batch is retested once"},
		{"retest of a final", ResultHistory{final}, retest, false, "conflict retest: the objection period of task 7's result ended on 2026-11-19; it is final"},
		{"retest before the test", ResultHistory{first}, Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-03", Retest: true}, false, "tested_on: the retest on 2026-11-03 is before the result it retests (2026-11-04)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rerr := tt.h.Accept(tt.r, tt.refused)
			got := fmt.Sprintf("version %d %s %s counted on %s", v.Version, v.Kind, v.State, v.CountedOn)
			if rerr != nil {
				got = rerr.Error()
				if rerr.Conflict {
					got = "conflict " + got
				}
			}
			if got != tt.want {
				t.Errorf("Accept(%+v) = %s, want %s", tt.r, got, tt.want)
			}
		})
	}

	if !twice.Holds(retest) || twice.Holds(Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-10"}) {
		t.Errorf("Holds: a retest is held as a retest only")
	}
	if c, rerr := twice.Correct(Result{TaskID: 7, Outcome: OutcomePass, TestedOn: "2026-11-11"}, "typo"); rerr != nil ||
		c.Kind != ResultCorrection || c.CountedOn != "2026-11-04" || c.Version != 3 || c.State != ResultFinal {
		t.Errorf("Correct of a retest = %+v, %v; want version 3, a final correction counted on the first test day", c, rerr)
	}
	today := Day("2026-11-20")
	for _, tt := range []struct {
		h        ResultHistory
		lodgedOn Day
		want     string
	}{
		{ResultHistory{first}, "2026-11-06", ""},
		{ResultHistory{first}, "2026-11-20", "lodged_on: 2026-11-20 is after the objection period, which ended on 2026-11-19"},
		{ResultHistory{first}, "2026-11-03", "lodged_on: 2026-11-03 is before the test (2026-11-04)"},
		{ResultHistory{first}, "", "task_id: task 7's result has no objection to withdraw"},
		{ResultHistory{objected}, "", ""},
		{ResultHistory{objected}, "2026-11-07", "task_id: task 7's result was already objected to on 2026-11-06"},
		{ResultHistory{final}, "2026-11-06", "task_id: task 7's result is final; only a provisional result can be objected to"},
	} {
		_, after, rerr := tt.h.Object(7, tt.lodgedOn, today)
		got := ""
		if rerr != nil {
			got = rerr.Error()
		} else if after.ObjectedOn != tt.lodgedOn {
			got = "objected on " + after.ObjectedOn.String()
		}
		if got != tt.want {
			t.Errorf("Object(%q) on %s = %q, want %q", tt.lodgedOn, tt.h[0].ObjectedOn, got, tt.want)
		}
	}
	if !first.Finalizable("2026-11-20") || first.Finalizable("2026-11-19") || objected.Finalizable("2026-11-20") || final.Finalizable("2026-11-20") {
		t.Errorf("Finalizable: a provisional result without objection is final the day after its period")
	}
}

func TestObjectionPolicy(t *testing.T) {
	day := Day("2026-11-20")
	p := ObjectionPolicy{Days: map[string]int{"textiles": 5}}
	for ind, want := range map[string]Day{"textiles": "2026-11-25", "food": "2026-12-05", "": "2026-12-05"} {
		if got := p.Until(ind, day); got != want {
			t.Errorf("Until(%q) = %s, want %s", ind, got, want)
		}
	}
}

func TestTaskStateSets(t *testing.T) {
	if got := TaskStatesTo(TaskTested); !slices.Equal(got, []string{TaskAssigned, TaskSampled}) {
		t.Errorf("TaskStatesTo(tested) = %v", got)
	}
	if got := TaskStatesDone(); !slices.Equal(got, []string{TaskClosed, TaskRefused, TaskLapsed}) {
		t.Errorf("TaskStatesDone() = %v", got)
	}
	for _, tt := range []struct {
		status string
		result bool
		want   string
	}{
		{TaskAssigned, true, TaskTested}, {TaskSampled, true, TaskTested}, {TaskAssigned, false, TaskAssigned},
		{TaskClosed, true, TaskClosed}, {TaskRefused, false, TaskRefused},
	} {
		if got := StatusWithResult(tt.status, tt.result); got != tt.want {
			t.Errorf("StatusWithResult(%s, %v) = %s, want %s", tt.status, tt.result, got, tt.want)
		}
	}
}
