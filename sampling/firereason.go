package sampling

import (
	"fmt"
	"time"
)

// Reasons a fire made no plan, stored with its ledger row beside a message
// that says the same in words with the times involved.
const (
	// FireReasonDown: no replica was running at the fire's time; the
	// catch-up policy then left it out.
	FireReasonDown = "down"
	// FireReasonCatchUp: a replica was running, but the fire was settled
	// late or a newer fire was due too, and the catch-up policy left it out.
	FireReasonCatchUp = "catch_up"
	// FireReasonOverlap: it came due while another plan of its schedule was
	// being made, and the overlap policy skipped it.
	FireReasonOverlap = "overlap"
	// FireReasonPaused: the schedule was paused.
	FireReasonPaused = "paused"
	// FireReasonDeadline: making its plan kept failing until its deadline.
	FireReasonDeadline = "deadline"
	// FireReasonDraw: its plan could not be drawn (such as too few eligible
	// inspectors) on a manual fire, which is not retried.
	FireReasonDraw = "draw"
)

// FireReasons lists the reason codes in the order the documentation gives
// them.
func FireReasons() []string {
	return []string{FireReasonDown, FireReasonCatchUp, FireReasonOverlap, FireReasonPaused, FireReasonDeadline, FireReasonDraw}
}

// ReplicaSpan is the time one scheduler replica ran: from its first tick to
// the last one recorded.
type ReplicaSpan struct {
	Started time.Time
	Seen    time.Time
}

// Coverage says whether any replica of spans was running at t, and when not,
// the last time one was seen before t and the first time one started after
// it (zero when there is none).
func Coverage(spans []ReplicaSpan, t time.Time) (running bool, lastSeen, nextStart time.Time) {
	for _, sp := range spans {
		switch {
		case !sp.Started.After(t) && !sp.Seen.Before(t):
			return true, time.Time{}, time.Time{}
		case sp.Seen.Before(t) && sp.Seen.After(lastSeen):
			lastSeen = sp.Seen
		case sp.Started.After(t) && (nextStart.IsZero() || sp.Started.Before(nextStart)):
			nextStart = sp.Started
		}
	}
	return false, lastSeen, nextStart
}

// DownReason says that no replica was running at a fire's time, naming the
// last sign of life before it and the first start after it in loc.
func DownReason(lastSeen, nextStart time.Time, loc *time.Location) string {
	s := "no replica was running at its time"
	switch {
	case !lastSeen.IsZero() && !nextStart.IsZero():
		s += fmt.Sprintf(" (the last one seen before it at %s, the next started at %s)", lastSeen.In(loc).Format(time.RFC3339), nextStart.In(loc).Format(time.RFC3339))
	case !nextStart.IsZero():
		s += fmt.Sprintf(" (none had run before it; the first started at %s)", nextStart.In(loc).Format(time.RFC3339))
	}
	return s
}
