package bulletin

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"spotcheck/sampling"
)

// Kinds of period.
const (
	KindYear    = "year"
	KindQuarter = "quarter"
	KindMonth   = "month"
)

// Period is a calendar year, quarter or month in the service's time zone.
// From and To are its first and last days at midnight UTC, the form the
// rate rollups use for days.
type Period struct {
	Name string // 2026, 2026Q4 or 2026-11
	Kind string
	From time.Time
	To   time.Time
}

var periodPattern = regexp.MustCompile(`^([0-9]{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$`)

// ParsePeriod reads a period written 2026 (a year), 2026Q4 (a quarter) or
// 2026-11 (a month).
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("period %q: want a year 2026, a quarter 2026Q4 or a month 2026-11", s)
	}
	year, _ := strconv.Atoi(m[1])
	if year < 2000 || year > 2200 {
		return Period{}, fmt.Errorf("period %q: year %d is out of range (2000 to 2200)", s, year)
	}
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		return span(s, KindQuarter, year, time.Month(3*q-2), 3), nil
	case m[3] != "":
		mo, _ := strconv.Atoi(m[3])
		return span(s, KindMonth, year, time.Month(mo), 1), nil
	}
	return span(s, KindYear, year, time.January, 12), nil
}

func span(name, kind string, year int, first time.Month, months int) Period {
	from := time.Date(year, first, 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: name, Kind: kind, From: from, To: from.AddDate(0, months, -1)}
}

// Previous returns the period of the same kind just before p.
func (p Period) Previous() Period {
	switch p.Kind {
	case KindQuarter:
		from := p.From.AddDate(0, -3, 0)
		return span(fmt.Sprintf("%dQ%d", from.Year(), (int(from.Month())+2)/3), KindQuarter, from.Year(), from.Month(), 3)
	case KindMonth:
		from := p.From.AddDate(0, -1, 0)
		return span(from.Format("2006-01"), KindMonth, from.Year(), from.Month(), 1)
	}
	y := p.From.Year() - 1
	return span(strconv.Itoa(y), KindYear, y, time.January, 12)
}

// End returns the last day the period's figures cover on today (midnight
// UTC): its last day, or today while it runs.
func (p Period) End(today time.Time) time.Time {
	if today.Before(p.To) {
		return today
	}
	return p.To
}

// Window returns the rate window that covers the period from its first day
// to end (see End), named after the period.
func (p Period) Window(end time.Time) sampling.Window {
	return sampling.Window{Name: p.Name, Days: int(end.Sub(p.From).Hours()/24+0.5) + 1}
}

// Bounds returns the period's first instant and the first instant after it
// in loc, for times such as a plan's nominal time.
func (p Period) Bounds(loc *time.Location) (time.Time, time.Time) {
	at := func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc) }
	return at(p.From), at(p.To.AddDate(0, 0, 1))
}

// months returns the first days of the n months that end with the month
// holding day, oldest first.
func months(day time.Time, n int) []time.Time {
	last := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]time.Time, n)
	for i := range n {
		out[i] = last.AddDate(0, i-n+1, 0)
	}
	return out
}
