package sampling

import (
	"fmt"
	"time"
)

// Day is a calendar day, such as a task's due date, a result's test date or
// the last day to object, held as its YYYY-MM-DD text. The zero Day, "",
// means no day (a result not objected to has no ObjectedOn).
//
// Day is a string type, not a struct, on purpose. Its text is what JSON,
// CSV, the SQL columns (TEXT on both backends) and the golden files hold,
// so every wire format stays what it was without a marshaller, a scanner
// or a valuer; days order as their text does, so Before, After, Compare,
// sorting and SQL's < on the columns all agree; and a day literal in a test
// ("2026-03-01") is a Day. The price is that a conversion, Day(s), can make
// an invalid Day: days from outside the process are therefore taken with
// ParseDay, or checked where they enter by the Check of the type holding
// them (Result.Check, Sampling.Check), which names the field and the
// reason; DayOf, NewDay and AddDays make only valid days. A struct would
// rule invalid days out in the type, but would need its own encoding in
// every format and would leave input such as a request body failing to
// decode before its fields could be checked one by one.
type Day string

// DayOf returns the calendar day in the time zone loc of the instant t.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return NewDay(y, m, d)
}

// Today returns the current day in the time zone loc: the day results and
// plans are checked against. It is DayOf(now, loc).
func Today(now time.Time, loc *time.Location) Day { return DayOf(now, loc) }

// NewDay returns the day d of month m of year, normalized as time.Date
// does: NewDay(2026, 2, 29) is 2026-03-01, NewDay(2026, 13, 1) 2027-01-01.
func NewDay(year int, m time.Month, d int) Day {
	return Day(time.Date(year, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
}

// ParseDay returns the day that s, a date as YYYY-MM-DD, names. It refuses
// anything else, naming the reason: text of another form, a month outside
// 1–12, a day the month does not have.
func ParseDay(s string) (Day, error) {
	if !dayForm(s) {
		return "", fmt.Errorf("day %q: not a date as YYYY-MM-DD", s)
	}
	y, m, d := digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
	if m < 1 || m > 12 {
		return "", fmt.Errorf("day %q: month %d is not 1 to 12", s, m)
	}
	if n := daysIn(y, time.Month(m)); d < 1 || d > n {
		return "", fmt.Errorf("day %q: %s %04d has days 1 to %d, not %d", s, time.Month(m), y, n, d)
	}
	return Day(s), nil
}

// dayForm reports whether s has the form NNNN-NN-NN of digits.
func dayForm(s string) bool {
	if len(s) != len("2006-01-02") {
		return false
	}
	for i := range len(s) {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func digits(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// daysIn returns the number of days in month m of year.
func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Valid reports whether d is a day ParseDay accepts; the zero Day is not.
func (d Day) Valid() bool {
	_, err := ParseDay(string(d))
	return err == nil
}

// IsZero reports whether d is the zero Day, no day.
func (d Day) IsZero() bool { return d == "" }

// String returns d as YYYY-MM-DD.
func (d Day) String() string { return string(d) }

// Compare returns -1 if d is before e, 0 if they are the same day and +1
// if d is after e. The zero Day is before every day.
func (d Day) Compare(e Day) int {
	switch {
	case d < e:
		return -1
	case d > e:
		return 1
	}
	return 0
}

// Before reports whether d is a day before e.
func (d Day) Before(e Day) bool { return d < e }

// After reports whether d is a day after e.
func (d Day) After(e Day) bool { return d > e }

// Sub returns the number of days from e to d: d.Sub(d.AddDays(n)) is -n.
// An invalid day counts as time.Time's zero date.
func (d Day) Sub(e Day) int {
	return int(d.utc().Sub(e.utc()).Hours() / 24)
}

// Date returns d's year, month and day of the month. An invalid Day gives
// January 1 of year 1, time.Time's zero date.
func (d Day) Date() (year int, month time.Month, day int) {
	return d.utc().Date()
}

// AddDays returns the day n days after d (before it for a negative n),
// counted in calendar days whatever the time zone: a day of 23 or 25 hours
// at a daylight saving change is still one day. An invalid Day gives the
// zero Day.
func (d Day) AddDays(n int) Day {
	if !d.Valid() {
		return ""
	}
	y, m, dd := d.Date()
	return NewDay(y, m, dd+n)
}

// Start returns the first instant of d in the time zone loc: its midnight,
// or, where a daylight saving change skips midnight, the instant time.Date
// gives for it. An invalid Day gives the zero time.
func (d Day) Start(loc *time.Location) time.Time {
	if !d.Valid() {
		return time.Time{}
	}
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// utc returns midnight UTC of d, or the zero time for an invalid Day.
func (d Day) utc() time.Time {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return time.Time{}
	}
	return t
}
