package sampling

import "time"

// Today returns the current date in the time zone loc, at midnight in that
// zone: the date results and plans are checked against.
func Today(now time.Time, loc *time.Location) time.Time {
	y, mo, d := now.In(loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, loc)
}
