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

// Period is a calendar year, quarter or month in the service's time zone,
// from its first day From to its last day To.
type Period struct {
	Name string // 2026, 2026Q4 or 2026-11
	Kind string
	From sampling.Day
	To   sampling.Day
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
	return Period{Name: name, Kind: kind, From: sampling.NewDay(year, first, 1), To: sampling.NewDay(year, first+time.Month(months), 0)}
}

// monthOf returns the month whose first day is first.
func monthOf(first sampling.Day) Period {
	y, m, _ := first.Date()
	return span(fmt.Sprintf("%04d-%02d", y, int(m)), KindMonth, y, m, 1)
}

// Previous returns the period of the same kind just before p.
func (p Period) Previous() Period {
	y, m, _ := p.From.Date()
	switch p.Kind {
	case KindQuarter:
		y, m, _ = sampling.NewDay(y, m-3, 1).Date()
		return span(fmt.Sprintf("%dQ%d", y, (int(m)+2)/3), KindQuarter, y, m, 3)
	case KindMonth:
		return monthOf(sampling.NewDay(y, m-1, 1))
	}
	return span(strconv.Itoa(y-1), KindYear, y-1, time.January, 12)
}

// End returns the last day the period's figures cover on today: its last
// day, or today while it runs.
func (p Period) End(today sampling.Day) sampling.Day {
	if today.Before(p.To) {
		return today
	}
	return p.To
}

// Window returns the rate window that covers the period from its first day
// to end (see End), named after the period.
func (p Period) Window(end sampling.Day) sampling.Window {
	return sampling.Window{Name: p.Name, Days: end.Sub(p.From) + 1}
}

// Bounds returns the period's first instant and the first instant after it
// in loc, for times such as a plan's nominal time.
func (p Period) Bounds(loc *time.Location) (time.Time, time.Time) {
	return p.From.Start(loc), p.To.AddDays(1).Start(loc)
}

// months returns the first days of the n months that end with the month
// holding day, oldest first.
func months(day sampling.Day, n int) []sampling.Day {
	y, m, _ := day.Date()
	out := make([]sampling.Day, n)
	for i := range n {
		out[i] = sampling.NewDay(y, m+time.Month(i-n+1), 1)
	}
	return out
}
