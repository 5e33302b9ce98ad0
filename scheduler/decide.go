package scheduler

import (
	"time"

	"github.com/robfig/cron/v3"

	"spotcheck/config"
	"spotcheck/sampling"
)

// Action is what to do about one due fire.
type Action struct {
	Nominal time.Time
	Kind    string // sampling.KindScheduled or sampling.KindCatchUp
	Make    bool   // make the plan; otherwise record the fire as missed
}

// maxDue bounds how many past fires one decision looks at, so that a long
// outage of a schedule firing every few seconds cannot stall the loop. Older
// fires are left out of the ledger; the log says how many.
const maxDue = 1000

// Decide returns what to do about the fires of spec due after the last one
// handled (after) up to now, oldest first. A fire at most grace old is on
// time and is made as scheduled; older fires were missed and follow the
// catch-up policy:
//
//   - none: each is recorded as missed;
//   - latest: the newest is made (as catch-up), the rest recorded as missed;
//   - all: the newest maxCatchUp are made oldest first, the rest missed.
//
// It also returns how many due fires it left out beyond maxDue.
func Decide(now time.Time, spec cron.Schedule, after time.Time, policy string, maxCatchUp int, grace time.Duration) ([]Action, int) {
	var due []time.Time
	dropped := 0
	for t := spec.Next(after); !t.IsZero() && !t.After(now); t = spec.Next(t) {
		due = append(due, t)
		if len(due) > maxDue {
			due = due[1:]
			dropped++
		}
	}
	actions := make([]Action, len(due))
	for i, t := range due {
		actions[i] = Action{Nominal: t, Kind: sampling.KindCatchUp}
	}
	if n := len(actions); n > 0 && now.Sub(due[n-1]) <= grace {
		actions[n-1].Kind = sampling.KindScheduled
		actions[n-1].Make = true
		due = due[:n-1] // the rest were missed
	}
	late := len(due)
	switch policy {
	case config.CatchUpLatest:
		if late > 0 && !(len(actions) > late) {
			actions[late-1].Make = true
		}
	case config.CatchUpAll:
		budget := maxCatchUp
		if len(actions) > late {
			budget-- // the on-time fire counts too
		}
		for i := late - 1; i >= 0 && budget > 0; i-- {
			actions[i].Make = true
			budget--
		}
	}
	return actions, dropped
}
