package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronFields accepts five fields, or six with seconds first, and the
// descriptors such as @daily.
const cronFields = cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor

// ParseCron parses a schedule's cron spec, evaluated on the wall clock of
// loc (see Cron for daylight saving). It rejects @every, whose fire times
// depend on when a process started so that replicas could not agree on them,
// and a TZ= prefix (use the schedule's timezone key). Inputs on which the
// cron library panics are returned as errors.
func ParseCron(spec string, loc *time.Location) (c *Cron, err error) {
	trimmed := strings.TrimSpace(spec)
	switch {
	case trimmed == "":
		return nil, fmt.Errorf("cron spec is empty")
	case strings.HasPrefix(trimmed, "@every"):
		return nil, fmt.Errorf("cron spec %q: @every is not supported: its fire times depend on when a process started, so replicas could not agree on them; write a cron spec such as \"*/10 * * * *\"", spec)
	case strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ="):
		return nil, fmt.Errorf("cron spec %q: set the schedule's timezone key instead of a TZ= prefix", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("cron spec %q: %v", spec, r)
		}
	}()
	s, err := cron.NewParser(cronFields).Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("cron spec %q: not a calendar spec", spec)
	}
	// A field such as "," parses to no value at all; the library would then
	// search five years second by second for a fire.
	for _, f := range []struct {
		name string
		bits uint64
		lo   int
		hi   int
	}{{"second", ss.Second, 0, 59}, {"minute", ss.Minute, 0, 59}, {"hour", ss.Hour, 0, 23},
		{"day of month", ss.Dom, 1, 31}, {"month", ss.Month, 1, 12}, {"day of week", ss.Dow, 0, 6}} {
		if f.bits&(1<<(f.hi+1)-1)&^(1<<f.lo-1) == 0 {
			return nil, fmt.Errorf("cron spec %q: the %s field matches no value", spec, f.name)
		}
	}
	// The library computes on wall-clock times given in UTC, which has no
	// daylight saving; Next maps them to instants in loc.
	ss.Location = time.UTC
	const allHours = 1<<24 - 1
	return &Cron{wall: ss, loc: loc, byClock: ss.Hour&allHours == allHours}, nil
}

// Cron is a cron spec evaluated on the wall clock of a time zone, with
// daylight-saving changes handled as cron (cronie) does:
//
//   - A spec that names its hours (such as "30 2 * * *" or @daily) fires once
//     for every wall-clock time it matches. A time skipped when clocks go
//     forward fires once, at the end of the gap (02:30 on a spring-forward
//     day in New York fires at 03:00 EDT); a time that occurs twice when
//     clocks go back fires once, at its first occurrence (01:30 EDT, not
//     01:30 EST).
//   - A spec whose hour field is * (every hour or more often, @hourly) runs by
//     the clock: it does not fire at wall times that a gap skips, and fires
//     in both passes through a repeated hour.
//
// robfig/cron's own Next, by contrast, skips a fixed-time fire in a gap to
// the next day and fires it twice in a fold.
type Cron struct {
	wall    *cron.SpecSchedule // evaluated on wall-clock times written in UTC
	loc     *time.Location
	byClock bool
}

// maxZonePeriods bounds the zone periods (spans of one UTC offset) that
// Next walks through; a yearly spec crosses about two per year.
const maxZonePeriods = 64

// Next returns the first fire time after t, or the zero time when the spec
// never fires (such as "0 0 30 2 *") within five years.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.In(c.loc)
	strict := true // after t; later periods include their first instant
	for range maxZonePeriods {
		start, end := t.ZoneBounds()
		_, offset := t.Zone()
		from := wallClock(t, offset)
		if !strict {
			from = from.Add(-time.Nanosecond)
		}
		for w := c.wall.Next(from); !w.IsZero(); w = c.wall.Next(w) {
			at := instant(w, offset)
			if !end.IsZero() && !at.Before(end) {
				break
			}
			if !c.byClock && c.repeated(w, start) {
				continue
			}
			return at.In(c.loc)
		}
		if end.IsZero() {
			return time.Time{}
		}
		// Clocks jump forward at end: a fixed-time fire in the skipped
		// wall times runs once, at the end of the gap.
		if _, next := end.In(c.loc).Zone(); !c.byClock && next > offset {
			gapStart, gapEnd := wallClock(end, offset), wallClock(end, next)
			if w := c.wall.Next(gapStart.Add(-time.Nanosecond)); !w.IsZero() && w.Before(gapEnd) {
				return end.In(c.loc)
			}
		}
		t, strict = end.In(c.loc), false
	}
	return time.Time{}
}

// Upcoming returns the next n fire times after t, fewer when the spec stops
// firing.
func (c *Cron) Upcoming(t time.Time, n int) []time.Time {
	var out []time.Time
	for range n {
		if t = c.Next(t); t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// repeated reports whether wall time w, in the zone period that begins at
// start, also occurred in the period before it: clocks went back at start.
func (c *Cron) repeated(w time.Time, start time.Time) bool {
	if start.IsZero() {
		return false
	}
	_, before := start.Add(-time.Nanosecond).In(c.loc).Zone()
	return w.Before(wallClock(start, before))
}

// wallClock returns the wall-clock time of instant t at UTC offset (in
// seconds), written as a UTC time.
func wallClock(t time.Time, offset int) time.Time {
	return t.UTC().Add(time.Duration(offset) * time.Second)
}

// instant returns the instant whose wall-clock time at offset is w.
func instant(w time.Time, offset int) time.Time {
	return w.Add(-time.Duration(offset) * time.Second)
}
