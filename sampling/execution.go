package sampling

import (
	"slices"
)

// Execution outcomes: what became of the tasks a plan made. Every task is
// planned and is, at any moment, exactly one of tested (tested or closed),
// refused, lapsed or open (assigned or sampled, its plan still open).
const (
	ExecutionPlanned = "planned"
	ExecutionTested  = "tested"
	ExecutionRefused = "refused"
	ExecutionLapsed  = "lapsed"
	ExecutionOpen    = "open"
)

// ExecutionOutcomes lists the outcomes in the order they are shown.
func ExecutionOutcomes() []string {
	return []string{ExecutionPlanned, ExecutionTested, ExecutionRefused, ExecutionLapsed, ExecutionOpen}
}

// ExecutionOutcome is the outcome of a task in stored state status.
func ExecutionOutcome(status string) string {
	switch status {
	case TaskTested, TaskClosed:
		return ExecutionTested
	case TaskRefused:
		return ExecutionRefused
	case TaskLapsed:
		return ExecutionLapsed
	}
	return ExecutionOpen
}

// PlanTaskCount is how many tasks of one plan are in one stored state.
type PlanTaskCount struct {
	Schedule string
	// Day is the plan's nominal date in the service's zone.
	Day    Day
	Status string
	N      int
	// PlanOpen is set while the plan is open: the public bulletin leaves
	// such plans out.
	PlanOpen bool
}

// TaskCount is how many tasks of one tier, industry and county are in one
// state (the states of spotcheck_tasks: overdue is set apart from
// assigned, and a task awaiting its result that has one is tested).
type TaskCount struct {
	State, Tier, Industry, County string
	N                             int
}

// ExecutionRow is how much of the plans of one schedule whose nominal dates
// fall in one window was carried out.
type ExecutionRow struct {
	Schedule string `json:"schedule"`
	Window   string `json:"window"`
	Planned  int    `json:"planned"`
	Tested   int    `json:"tested"`
	Refused  int    `json:"refused"`
	Lapsed   int    `json:"lapsed"`
	Open     int    `json:"open"`
	// Ratio is Tested over the tasks whose outcome is known (tested,
	// refused or lapsed); nil while there are none.
	Ratio *float64 `json:"ratio"`
}

// Count returns the row's count of outcome.
func (r ExecutionRow) Count(outcome string) int {
	switch outcome {
	case ExecutionPlanned:
		return r.Planned
	case ExecutionTested:
		return r.Tested
	case ExecutionRefused:
		return r.Refused
	case ExecutionLapsed:
		return r.Lapsed
	}
	return r.Open
}

// ComputeExecution sums counts into one row per schedule and window ending
// on today, for every schedule in schedules and then every
// other schedule that counts name (one since removed from the
// configuration), in that order, then by window.
func ComputeExecution(counts []PlanTaskCount, schedules []string, windows []Window, today Day) []ExecutionRow {
	schedules = slices.Clone(schedules)
	for _, c := range counts {
		if !slices.Contains(schedules, c.Schedule) {
			schedules = append(schedules, c.Schedule)
		}
	}
	var rows []ExecutionRow
	for _, sc := range schedules {
		for _, w := range windows {
			r := ExecutionRow{Schedule: sc, Window: w.Name}
			start := w.Start(today)
			for _, c := range counts {
				if c.Schedule != sc || c.Day.Before(start) || c.Day.After(today) {
					continue
				}
				r.Planned += c.N
				switch ExecutionOutcome(c.Status) {
				case ExecutionTested:
					r.Tested += c.N
				case ExecutionRefused:
					r.Refused += c.N
				case ExecutionLapsed:
					r.Lapsed += c.N
				default:
					r.Open += c.N
				}
			}
			if known := r.Tested + r.Refused + r.Lapsed; known > 0 {
				ratio := float64(r.Tested) / float64(known)
				r.Ratio = &ratio
			}
			rows = append(rows, r)
		}
	}
	return rows
}
