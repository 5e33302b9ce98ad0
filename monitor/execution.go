package monitor

import (
	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/sampling"
)

// executionDescs are the families of plan execution.
type executionDescs struct {
	tasks, ratio *prometheus.Desc
}

func newExecutionDescs(note string) executionDescs {
	return executionDescs{
		tasks: prometheus.NewDesc("spotcheck_plan_tasks",
			"Tasks of the plans of a schedule whose nominal date is in the window, by outcome: planned (all of them), tested, refused, lapsed (the plan closed without a result), open (the plan is still open)."+note,
			[]string{"schedule", "window", "outcome"}, nil),
		ratio: prometheus.NewDesc("spotcheck_plan_execution_ratio",
			"Share of the tasks of a schedule's plans in the window whose outcome is known (tested, refused or lapsed) that were tested; absent while none is known."+note,
			[]string{"schedule", "window"}, nil),
	}
}

func (d executionDescs) describe(ch chan<- *prometheus.Desc) {
	ch <- d.tasks
	ch <- d.ratio
}

func (d executionDescs) collect(ch chan<- prometheus.Metric, rows []sampling.ExecutionRow) {
	for _, r := range rows {
		for _, o := range sampling.ExecutionOutcomes() {
			gauge(ch, d.tasks, float64(r.Count(o)), r.Schedule, r.Window, o)
		}
		if r.Ratio != nil {
			gauge(ch, d.ratio, *r.Ratio, r.Schedule, r.Window)
		}
	}
}

// ExecutionOf returns snap's execution rows of schedule and window (every
// one when empty), never nil.
func ExecutionOf(snap *Snapshot, schedule, window string) []sampling.ExecutionRow {
	rows := []sampling.ExecutionRow{}
	for _, r := range snap.Execution {
		if (schedule == "" || r.Schedule == schedule) && (window == "" || r.Window == window) {
			rows = append(rows, r)
		}
	}
	return rows
}
