package scheduler

import (
	"fmt"
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
	// Policy says, for a fire not made, how late it was settled and what
	// the catch-up policy made instead; settle adds why it was late.
	Policy string
	// Reason is the reason code of a fire not made, set by the scheduler.
	Reason string
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
	for i, a := range actions {
		if !a.Make {
			actions[i].Policy = policyReason(now, a.Nominal, actions[len(actions)-1].Nominal, policy, maxCatchUp, grace)
		}
	}
	return actions, dropped
}

// policyReason says how late a fire at nominal was settled at now and what
// the catch-up policy made instead of it; newest is the newest due fire.
func policyReason(now, nominal, newest time.Time, policy string, maxCatchUp int, grace time.Duration) string {
	late := now.Sub(nominal).Truncate(time.Second)
	s := fmt.Sprintf("settled %s after its time", late)
	if now.Sub(nominal) <= grace {
		s += fmt.Sprintf(" (within the grace of %s), when a newer fire was due too", grace)
	} else {
		s += fmt.Sprintf(" (more than the grace of %s)", grace)
	}
	loc := nominal.Location()
	switch policy {
	case config.CatchUpLatest:
		return s + fmt.Sprintf(": catch_up policy latest makes only the newest due fire, at %s", newest.In(loc).Format(time.RFC3339))
	case config.CatchUpAll:
		return s + fmt.Sprintf(": catch_up policy all makes only the newest %d due fires (max_catch_up)", maxCatchUp)
	}
	return s + ": catch_up policy none makes no late fire, and of fires due together only the newest, when on time"
}
