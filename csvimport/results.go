package csvimport

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"spotcheck/sampling"
)

var resultColumns = schema{
	required: []string{"task_id", "outcome", "tested_on"},
	optional: []string{"report_no", "failed_items", "retest"},
}

// dateShape is what spreadsheets write for a date: 2026-11-28, 2026/11/28, 2026/1/5.
var dateShape = regexp.MustCompile(`^\d{4}(-\d{1,2}-|/\d{1,2}/)\d{1,2}$`)

// Results parses test results: task_id,outcome,tested_on[,report_no,failed_items,retest].
// retest marks a re-inspection on the enterprise's objection: yes/no,
// true/false, 1/0 or 是/否, empty for no.
// Outcome is pass or fail (or 合格, 不合格) and is normalised to
// sampling.OutcomePass or sampling.OutcomeFail; tested_on is normalised to
// YYYY-MM-DD. A fail must name its failed items and a pass must not (sampling.CheckOutcome). A task
// appears once.
func Results(name string, r io.Reader, opts Options) (*Sheet[sampling.Result], error) {
	tasks := make(map[int64]int) // task id -> line
	return parse(name, r, opts, resultColumns, func(row *row) sampling.Result {
		res := sampling.Result{
			TaskID:      row.taskID("task_id"),
			Outcome:     row.outcome("outcome"),
			TestedOn:    row.date("tested_on"),
			ReportNo:    row.cell("report_no"),
			FailedItems: row.cell("failed_items"),
			Retest:      row.yesNo("retest"),
		}
		if res.Outcome != "" { // else the outcome is reported already
			if e := sampling.CheckOutcome(res.Outcome, res.FailedItems); e != nil {
				row.errorf(e.Field, "%s", e.Reason)
			}
		}
		if res.TaskID == 0 {
			return res
		}
		if line, ok := tasks[res.TaskID]; ok {
			row.errorf("task_id", "task %d also on line %d", res.TaskID, line)
		} else {
			tasks[res.TaskID] = row.line
		}
		return res
	})
}

// taskID returns the cell as a positive integer, or 0 when it is not one.
func (r *row) taskID(column string) int64 {
	v := r.required(column)
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		r.errorf(column, "%q is not a positive integer", v)
		return 0
	}
	return id
}

// outcome returns sampling.OutcomePass or sampling.OutcomeFail.
func (r *row) outcome(column string) string {
	switch v := r.required(column); strings.ToLower(v) {
	case "":
	case sampling.OutcomePass, "合格":
		return sampling.OutcomePass
	case sampling.OutcomeFail, "不合格":
		return sampling.OutcomeFail
	default:
		r.errorf(column, "%q is not pass or fail", v)
	}
	return ""
}

// date returns the day the cell names.
func (r *row) date(column string) sampling.Day {
	v := r.required(column)
	if v == "" {
		return ""
	}
	if !dateShape.MatchString(v) {
		r.errorf(column, "%q is not a date like 2026-11-28 or 2026/11/28", v)
		return ""
	}
	layout := "2006-1-2"
	if strings.Contains(v, "/") {
		layout = "2006/1/2"
	}
	d, err := time.Parse(layout, v)
	if err != nil {
		r.errorf(column, "%q is not a real date", v)
		return ""
	}
	return sampling.DayOf(d, time.UTC)
}

// yesNo returns an optional yes/no cell; empty is no.
func (r *row) yesNo(column string) bool {
	switch v := r.cell(column); strings.ToLower(v) {
	case "", "no", "false", "0", "否", "n":
		return false
	case "yes", "true", "1", "是", "y":
		return true
	default:
		r.errorf(column, "%q is not yes or no", v)
		return false
	}
}
