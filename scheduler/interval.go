package scheduler

import (
	"time"

	"github.com/robfig/cron/v3"

	"spotcheck/sampling"
)

// intervalHorizon and maxIntervalFires bound the fires looked at to find a
// schedule's interval: a year of them, but no more than this many.
const (
	intervalHorizon  = 366 * 24 * time.Hour
	maxIntervalFires = 1000
)

// Interval returns the longest gap between consecutive fires of spec over
// the year after t (and up to the first fire past it), or 0 when spec does
// not fire. For a regular schedule it is the cadence (a monthly schedule
// gives 31 days, a weekday one 3 days); a seasonal one gives its off-season
// gap, so an alert on "no plan for twice the interval" never fires between
// seasons.
func Interval(spec cron.Schedule, t time.Time) time.Duration {
	prev := spec.Next(t)
	if prev.IsZero() {
		return 0
	}
	horizon := prev.Add(intervalHorizon)
	longest := time.Duration(0)
	for range maxIntervalFires {
		next := spec.Next(prev)
		if next.IsZero() {
			break
		}
		longest = max(longest, next.Sub(prev))
		if next.After(horizon) {
			break
		}
		prev = next
	}
	return longest
}

// initSchedule sets the schedule's interval and creates its counters at 0,
// so that the first missed or failed fire is an increase that rules see
// rather than a new series.
func (m *metrics) initSchedule(name string, spec cron.Schedule, now time.Time) {
	if d := Interval(spec, now); d > 0 {
		m.interval.WithLabelValues(name).Set(d.Seconds())
	}
	m.missed.WithLabelValues(name)
	results := []string{resultDuplicate, resultError}
	for _, st := range sampling.FireStatuses() {
		results = append(results, string(st))
	}
	for _, kind := range []string{sampling.KindScheduled, sampling.KindCatchUp, sampling.KindManual} {
		for _, result := range results {
			m.runs.WithLabelValues(name, kind, result)
		}
	}
}
