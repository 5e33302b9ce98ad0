package bulletin

import (
	"testing"
	"time"

	"spotcheck/sampling"
)

func date(s string) sampling.Day {
	d, err := sampling.ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in       string
		kind     string
		from, to sampling.Day
		previous string
		days     int // of the whole period's window
	}{
		{"2026", KindYear, "2026-01-01", "2026-12-31", "2025", 365},
		{"2024", KindYear, "2024-01-01", "2024-12-31", "2023", 366},
		{"2026Q1", KindQuarter, "2026-01-01", "2026-03-31", "2025Q4", 90},
		{"2026Q4", KindQuarter, "2026-10-01", "2026-12-31", "2026Q3", 92},
		{"2026-01", KindMonth, "2026-01-01", "2026-01-31", "2025-12", 31},
		{"2024-02", KindMonth, "2024-02-01", "2024-02-29", "2024-01", 29},
		{"2026-11", KindMonth, "2026-11-01", "2026-11-30", "2026-10", 30},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tt.in, err)
			continue
		}
		if p.Name != tt.in || p.Kind != tt.kind || p.From != tt.from || p.To != tt.to {
			t.Errorf("ParsePeriod(%q) = %s %s %s to %s, want %s %s to %s", tt.in, p.Name, p.Kind, p.From, p.To, tt.kind, tt.from, tt.to)
		}
		if prev := p.Previous(); prev.Name != tt.previous || prev.To.AddDays(1) != p.From {
			t.Errorf("ParsePeriod(%q).Previous() = %s ending %s, want %s ending the day before %s", tt.in, prev.Name, prev.To, tt.previous, tt.from)
		}
		if w := p.Window(p.End(date("2030-01-01"))); w.Days != tt.days || w.Name != tt.in || w.Start(p.To) != p.From {
			t.Errorf("ParsePeriod(%q) window = %+v starting %s, want %d days from %s", tt.in, w, w.Start(p.To), tt.days, tt.from)
		}
	}
}

func TestParsePeriodBad(t *testing.T) {
	for _, in := range []string{"", "26", "2026Q0", "2026Q5", "2026-00", "2026-13", "2026-1", "2026q4", "Q4 2026", "1999", "2026-11-01"} {
		if _, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) = nil error, want one", in)
		}
	}
}

func TestPeriodEnd(t *testing.T) {
	p, _ := ParsePeriod("2026Q4")
	tests := []struct {
		today string
		end   sampling.Day
	}{
		{"2026-10-01", "2026-10-01"},
		{"2026-11-15", "2026-11-15"},
		{"2026-12-31", "2026-12-31"},
		{"2027-02-01", "2026-12-31"},
	}
	for _, tt := range tests {
		end := p.End(date(tt.today))
		if end != tt.end {
			t.Errorf("2026Q4.End(%s) = %s, want %s", tt.today, end, tt.end)
		}
		if w := p.Window(end); w.Start(end) != p.From {
			t.Errorf("2026Q4.Window(%s) starts %s, want 2026-10-01", end, w.Start(end))
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from, until := p.Bounds(loc)
	if from.Format(time.RFC3339) != "2026-10-01T00:00:00+08:00" || until.Format(time.RFC3339) != "2027-01-01T00:00:00+08:00" {
		t.Errorf("2026Q4.Bounds = %s, %s", from.Format(time.RFC3339), until.Format(time.RFC3339))
	}
}

func TestMonths(t *testing.T) {
	got := months(date("2026-03-17"), 12)
	if len(got) != 12 || got[0] != "2025-04-01" || got[11] != "2026-03-01" {
		t.Errorf("months(2026-03-17, 12) = %v", got)
	}
}
