package sampling

// FireStatus is what became of one fire of a schedule, as the fire ledger
// records it.
type FireStatus string

// Fire statuses.
const (
	FireMade    FireStatus = "made"    // its plan was drawn and stored
	FireMissed  FireStatus = "missed"  // it came due while the service was down and catch-up let it go
	FireFailed  FireStatus = "failed"  // its plan could not be drawn before its deadline
	FireSkipped FireStatus = "skipped" // the schedule was paused or the overlap policy skipped it
)

// FireStatuses lists the fire statuses in the order they are shown.
func FireStatuses() []FireStatus { return []FireStatus{FireMade, FireMissed, FireFailed, FireSkipped} }

// OverlapPolicy is what becomes of a fire that comes due while another plan
// of its schedule is still being made. Manual fires always wait for a
// making in progress.
type OverlapPolicy string

// Overlap policies.
const (
	// OverlapBuffer: the first such fire waits and is made right after;
	// any more are skipped.
	OverlapBuffer OverlapPolicy = "buffer"
	// OverlapSkip: such fires are skipped.
	OverlapSkip OverlapPolicy = "skip"
)

// Valid reports whether p is one of the overlap policies.
func (p OverlapPolicy) Valid() bool { return p == OverlapBuffer || p == OverlapSkip }
