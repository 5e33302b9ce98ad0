package sampling

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestParseDay(t *testing.T) {
	tests := []struct {
		in      string
		want    Day
		wantErr string
	}{
		{in: "2026-03-01", want: "2026-03-01"},
		{in: "2024-02-29", want: "2024-02-29"}, // leap year
		{in: "2000-02-29", want: "2000-02-29"}, // divisible by 400: leap
		{in: "2026-12-31", want: "2026-12-31"},
		{in: "2026-01-31", want: "2026-01-31"},
		{in: "2026-04-30", want: "2026-04-30"},
		{in: "0000-01-01", want: "0000-01-01"},
		{in: "2026-02-29", wantErr: `day "2026-02-29": February 2026 has days 1 to 28, not 29`},
		{in: "1900-02-29", wantErr: `day "1900-02-29": February 1900 has days 1 to 28, not 29`},
		{in: "2024-02-30", wantErr: `day "2024-02-30": February 2024 has days 1 to 29, not 30`},
		{in: "2026-04-31", wantErr: `day "2026-04-31": April 2026 has days 1 to 30, not 31`},
		{in: "2026-12-32", wantErr: `day "2026-12-32": December 2026 has days 1 to 31, not 32`},
		{in: "2026-01-00", wantErr: `day "2026-01-00": January 2026 has days 1 to 31, not 0`},
		{in: "2026-13-01", wantErr: `day "2026-13-01": month 13 is not 1 to 12`},
		{in: "2026-00-10", wantErr: `day "2026-00-10": month 0 is not 1 to 12`},
		{in: "", wantErr: `day "": not a date as YYYY-MM-DD`},
		{in: "2026-3-01", wantErr: `day "2026-3-01": not a date as YYYY-MM-DD`},
		{in: "2026/03/01", wantErr: `day "2026/03/01": not a date as YYYY-MM-DD`},
		{in: "2026-03-01T00:00:00Z", wantErr: `day "2026-03-01T00:00:00Z": not a date as YYYY-MM-DD`},
		{in: " 2026-03-01", wantErr: `day " 2026-03-01": not a date as YYYY-MM-DD`},
		{in: "+026-03-01", wantErr: `day "+026-03-01": not a date as YYYY-MM-DD`},
		{in: "2026-03-0a", wantErr: `day "2026-03-0a": not a date as YYYY-MM-DD`},
	}
	for _, tt := range tests {
		got, err := ParseDay(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr || got != "" {
				t.Errorf("ParseDay(%q) = %q, %v, want error %q", tt.in, got, err, tt.wantErr)
			}
			if Day(tt.in).Valid() {
				t.Errorf("Day(%q).Valid() = true, want false", tt.in)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDay(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
		if !got.Valid() || got.String() != tt.in {
			t.Errorf("ParseDay(%q): Valid() = %v, String() = %q, want true, %q", tt.in, got.Valid(), got.String(), tt.in)
		}
	}
}

// TestParseDayAgreesWithTime checks ParseDay against time.Parse, the parser
// days were checked with before Day, over every day of 2023–2025 and the
// days just beyond each month's end.
func TestParseDayAgreesWithTime(t *testing.T) {
	for y := 2023; y <= 2025; y++ {
		for m := 1; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				_, want := time.Parse(time.DateOnly, s)
				if _, err := ParseDay(s); (err == nil) != (want == nil) {
					t.Errorf("ParseDay(%q) error = %v, time.Parse error = %v", s, err, want)
				}
			}
		}
	}
}

func TestDayAddDays(t *testing.T) {
	tests := []struct {
		d    Day
		n    int
		want Day
	}{
		{"2026-03-01", 0, "2026-03-01"},
		{"2026-01-31", 1, "2026-02-01"},  // month end
		{"2026-12-31", 1, "2027-01-01"},  // year end
		{"2027-01-01", -1, "2026-12-31"}, // back across the year end
		{"2024-02-28", 1, "2024-02-29"},  // leap day
		{"2024-02-29", 1, "2024-03-01"},
		{"2026-02-28", 1, "2026-03-01"}, // no leap day
		{"2024-03-01", -1, "2024-02-29"},
		{"2026-03-01", -365, "2025-03-01"},
		{"2024-03-01", -366, "2023-03-01"},
		{"2026-03-07", 2, "2026-03-09"}, // across the US spring-forward day, 2026-03-08
		{"2026-10-31", 2, "2026-11-02"}, // across the US fall-back day, 2026-11-01
		{"2026-12-31", 15, "2027-01-15"},
		{"", 1, ""},
		{"2026-02-30", 1, ""},
	}
	for _, tt := range tests {
		if got := tt.d.AddDays(tt.n); got != tt.want {
			t.Errorf("Day(%q).AddDays(%d) = %q, want %q", tt.d, tt.n, got, tt.want)
		}
		if tt.want != "" {
			if got := tt.want.Sub(tt.d); got != tt.n {
				t.Errorf("Day(%q).Sub(%q) = %d, want %d", tt.want, tt.d, got, tt.n)
			}
		}
	}
}

func TestDayCompare(t *testing.T) {
	tests := []struct {
		d, e                Day
		cmp                 int
		before, after, zero bool
	}{
		{"2026-03-01", "2026-03-02", -1, true, false, false},
		{"2026-03-02", "2026-03-01", 1, false, true, false},
		{"2026-03-01", "2026-03-01", 0, false, false, false},
		{"2025-12-31", "2026-01-01", -1, true, false, false},
		{"2026-09-30", "2026-10-01", -1, true, false, false},
		{"", "0000-01-01", -1, true, false, true},
	}
	for _, tt := range tests {
		if got := tt.d.Compare(tt.e); got != tt.cmp {
			t.Errorf("Day(%q).Compare(%q) = %d, want %d", tt.d, tt.e, got, tt.cmp)
		}
		if got := tt.d.Before(tt.e); got != tt.before {
			t.Errorf("Day(%q).Before(%q) = %v, want %v", tt.d, tt.e, got, tt.before)
		}
		if got := tt.d.After(tt.e); got != tt.after {
			t.Errorf("Day(%q).After(%q) = %v, want %v", tt.d, tt.e, got, tt.after)
		}
		if got := tt.d.IsZero(); got != tt.zero {
			t.Errorf("Day(%q).IsZero() = %v, want %v", tt.d, got, tt.zero)
		}
	}
}

func TestNewDayAndDate(t *testing.T) {
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want Day
	}{
		{2026, 3, 1, "2026-03-01"},
		{2026, 2, 29, "2026-03-01"},
		{2024, 2, 29, "2024-02-29"},
		{2026, 13, 1, "2027-01-01"},
		{2026, 1, 0, "2025-12-31"},
		{2026, 3 - 12, 1, "2025-03-01"},
	}
	for _, tt := range tests {
		if got := NewDay(tt.y, tt.m, tt.d); got != tt.want {
			t.Errorf("NewDay(%d, %d, %d) = %q, want %q", tt.y, tt.m, tt.d, got, tt.want)
		}
	}
	if y, m, d := Day("2024-02-29").Date(); y != 2024 || m != time.February || d != 29 {
		t.Errorf("Day(2024-02-29).Date() = %d, %s, %d, want 2024, February, 29", y, m, d)
	}
	if y, m, d := Day("nonsense").Date(); y != 1 || m != time.January || d != 1 {
		t.Errorf("Day(nonsense).Date() = %d, %s, %d, want 1, January, 1", y, m, d)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// TestDayOfZones checks that the day of an instant is the day in the zone
// asked for, whatever the host's zone: the test pins time.Local to a zone
// far from both.
func TestDayOfZones(t *testing.T) {
	shanghai, la := mustZone(t, "Asia/Shanghai"), mustZone(t, "America/Los_Angeles")
	host := time.Local
	time.Local = mustZone(t, "Pacific/Kiritimati") // UTC+14
	t.Cleanup(func() { time.Local = host })

	tests := []struct {
		now  time.Time
		loc  *time.Location
		want Day
	}{
		// 2026-03-01 16:30 UTC: 2026-03-02 00:30 in Shanghai, 08:30 on the
		// 1st in Los Angeles, 2026-03-02 06:30 on the host.
		{time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC), shanghai, "2026-03-02"},
		{time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC), la, "2026-03-01"},
		{time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC), time.UTC, "2026-03-01"},
		{time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC), time.Local, "2026-03-02"},
		// The last instant of a day and the first of the next.
		{time.Date(2026, 12, 31, 15, 59, 59, 999999999, time.UTC), shanghai, "2026-12-31"},
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), shanghai, "2027-01-01"},
		{time.Date(2025, 1, 1, 7, 59, 59, 0, time.UTC), la, "2024-12-31"},
		{time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC), la, "2025-01-01"},
		// Leap day in Shanghai, still the 28th in Los Angeles.
		{time.Date(2024, 2, 28, 16, 0, 0, 0, time.UTC), shanghai, "2024-02-29"},
		{time.Date(2024, 2, 29, 7, 59, 0, 0, time.UTC), la, "2024-02-28"},
		// An instant given in the host's zone is read in loc.
		{time.Date(2026, 3, 2, 1, 0, 0, 0, time.Local), shanghai, "2026-03-01"},
	}
	for _, tt := range tests {
		if got := DayOf(tt.now, tt.loc); got != tt.want {
			t.Errorf("DayOf(%s, %s) = %q, want %q", tt.now.UTC().Format(time.RFC3339Nano), tt.loc, got, tt.want)
		}
		if got := Today(tt.now, tt.loc); got != tt.want {
			t.Errorf("Today(%s, %s) = %q, want %q", tt.now.UTC().Format(time.RFC3339Nano), tt.loc, got, tt.want)
		}
	}
}

// TestDayStartAcrossDST checks Start and AddDays around the 2026 daylight
// saving changes of Los Angeles (23- and 25-hour days) against Shanghai,
// which keeps no daylight saving time, with the host in a third zone.
func TestDayStartAcrossDST(t *testing.T) {
	shanghai, la := mustZone(t, "Asia/Shanghai"), mustZone(t, "America/Los_Angeles")
	host := time.Local
	time.Local = mustZone(t, "Europe/London")
	t.Cleanup(func() { time.Local = host })

	tests := []struct {
		day       Day
		loc       *time.Location
		start     string // RFC 3339, UTC
		nextStart string // of day.AddDays(1)
		hours     float64
	}{
		{"2026-03-08", la, "2026-03-08T08:00:00Z", "2026-03-09T07:00:00Z", 23},
		{"2026-11-01", la, "2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z", 25},
		{"2026-03-07", la, "2026-03-07T08:00:00Z", "2026-03-08T08:00:00Z", 24},
		{"2026-03-08", shanghai, "2026-03-07T16:00:00Z", "2026-03-08T16:00:00Z", 24},
		{"2026-11-01", shanghai, "2026-10-31T16:00:00Z", "2026-11-01T16:00:00Z", 24},
		{"2026-03-29", time.Local, "2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z", 23},
		{"2024-02-29", shanghai, "2024-02-28T16:00:00Z", "2024-02-29T16:00:00Z", 24},
	}
	for _, tt := range tests {
		start, next := tt.day.Start(tt.loc), tt.day.AddDays(1).Start(tt.loc)
		if got := start.UTC().Format(time.RFC3339); got != tt.start {
			t.Errorf("Day(%q).Start(%s) = %s, want %s", tt.day, tt.loc, got, tt.start)
		}
		if got := next.UTC().Format(time.RFC3339); got != tt.nextStart {
			t.Errorf("Day(%q).AddDays(1).Start(%s) = %s, want %s", tt.day, tt.loc, got, tt.nextStart)
		}
		if got := next.Sub(start).Hours(); got != tt.hours {
			t.Errorf("day %s in %s lasts %v hours, want %v", tt.day, tt.loc, got, tt.hours)
		}
		// The day an instant falls in comes back from its start, and the
		// last instant before the next day's start is still the same day.
		if got := DayOf(start, tt.loc); got != tt.day {
			t.Errorf("DayOf(Day(%q).Start(%s)) = %q, want %q", tt.day, tt.loc, got, tt.day)
		}
		if got := DayOf(next.Add(-time.Nanosecond), tt.loc); got != tt.day {
			t.Errorf("DayOf(next start - 1ns, %s) = %q, want %q", tt.loc, got, tt.day)
		}
	}
	if got := Day("2026-02-30").Start(la); !got.IsZero() {
		t.Errorf("Day(2026-02-30).Start = %s, want the zero time", got)
	}
}

// TestDayJSON checks that a Day is its YYYY-MM-DD text in JSON, as the
// string it replaced was, and that no day is omitted by omitempty.
func TestDayJSON(t *testing.T) {
	type doc struct {
		Due   Day `json:"due"`
		Until Day `json:"until,omitempty"`
	}
	b, err := json.Marshal(doc{Due: "2026-03-01"})
	if err != nil || string(b) != `{"due":"2026-03-01"}` {
		t.Errorf("json.Marshal = %s, %v, want {\"due\":\"2026-03-01\"}", b, err)
	}
	var got doc
	if err := json.Unmarshal([]byte(`{"due":"2024-02-29","until":"2024-03-15"}`), &got); err != nil || got != (doc{"2024-02-29", "2024-03-15"}) {
		t.Errorf("json.Unmarshal = %+v, %v, want {2024-02-29 2024-03-15}", got, err)
	}
}
