package config

import (
	"strings"
	"testing"
	"time"
)

// TestCronAcrossDST evaluates specs across daylight-saving changes: New
// York's spring gap (02:00–03:00 skipped on 2026-03-08) and autumn fold
// (01:00–02:00 twice on 2026-11-01), and Lord Howe Island's 30-minute shifts
// (02:00–02:30 skipped on 2026-10-04; 01:30–02:00 twice on 2026-04-05).
// Fire times are written as wall time and UTC offset.
func TestCronAcrossDST(t *testing.T) {
	newYork := mustLoad(t, "America/New_York")
	lordHowe := mustLoad(t, "Australia/Lord_Howe")
	santiago := mustLoad(t, "America/Santiago")
	tests := []struct {
		name  string
		spec  string
		loc   *time.Location
		after time.Time
		want  string
	}{
		// New York, spring forward.
		{"gap: fixed time runs once at the end of the gap", "30 2 * * *", newYork,
			time.Date(2026, 3, 7, 12, 0, 0, 0, newYork),
			"03-08 03:00 -0400, 03-09 02:30 -0400, 03-10 02:30 -0400"},
		{"gap: two fixed times in it run once", "0,30 2 * * *", newYork,
			time.Date(2026, 3, 8, 1, 0, 0, 0, newYork),
			"03-08 03:00 -0400, 03-09 02:00 -0400, 03-09 02:30 -0400"},
		{"gap: a fixed time at the end of the gap is the same fire", "30 2,3 * * *", newYork,
			time.Date(2026, 3, 8, 1, 0, 0, 0, newYork),
			"03-08 03:00 -0400, 03-08 03:30 -0400, 03-09 02:30 -0400"},
		{"gap: times around it are untouched", "30 1,3 * * *", newYork,
			time.Date(2026, 3, 8, 0, 0, 0, 0, newYork),
			"03-08 01:30 -0500, 03-08 03:30 -0400, 03-09 01:30 -0400"},
		{"gap: by the clock, skipped times do not fire", "*/30 * * * *", newYork,
			time.Date(2026, 3, 8, 1, 15, 0, 0, newYork),
			"03-08 01:30 -0500, 03-08 03:00 -0400, 03-08 03:30 -0400"},
		// New York, fall back.
		{"fold: fixed time runs once, at its first occurrence", "30 1 * * *", newYork,
			time.Date(2026, 10, 31, 12, 0, 0, 0, newYork),
			"11-01 01:30 -0400, 11-02 01:30 -0500, 11-03 01:30 -0500"},
		{"fold: asked during the second pass, the repeat is skipped", "30 1 * * *", newYork,
			time.Date(2026, 11, 1, 1, 0, 0, 0, time.FixedZone("EST", -5*3600)),
			"11-02 01:30 -0500"},
		{"fold: by the clock, both passes fire", "*/30 * * * *", newYork,
			time.Date(2026, 11, 1, 0, 45, 0, 0, newYork),
			"11-01 01:00 -0400, 11-01 01:30 -0400, 11-01 01:00 -0500, 11-01 01:30 -0500, 11-01 02:00 -0500"},
		{"fold: @hourly runs by the clock", "@hourly", newYork,
			time.Date(2026, 11, 1, 0, 30, 0, 0, newYork),
			"11-01 01:00 -0400, 11-01 01:00 -0500, 11-01 02:00 -0500"},
		{"fold: every two hours names its hours", "0 */2 * * *", newYork,
			time.Date(2026, 10, 31, 23, 30, 0, 0, newYork),
			"11-01 00:00 -0400, 11-01 02:00 -0500, 11-01 04:00 -0500"},
		{"@daily crosses both changes", "@daily", newYork,
			time.Date(2026, 3, 7, 12, 0, 0, 0, newYork),
			"03-08 00:00 -0500, 03-09 00:00 -0400"},
		// Lord Howe Island: UTC+10:30 in winter, +11 in summer.
		{"30-minute gap: fixed time runs at its end", "15 2 * * *", lordHowe,
			time.Date(2026, 10, 3, 12, 0, 0, 0, lordHowe),
			"10-04 02:30 +1100, 10-05 02:15 +1100"},
		{"30-minute gap: by the clock", "*/15 * * * *", lordHowe,
			time.Date(2026, 10, 4, 1, 40, 0, 0, lordHowe),
			"10-04 01:45 +1030, 10-04 02:30 +1100, 10-04 02:45 +1100"},
		{"30-minute fold: fixed time runs once", "45 1 * * *", lordHowe,
			time.Date(2026, 4, 4, 12, 0, 0, 0, lordHowe),
			"04-05 01:45 +1100, 04-06 01:45 +1030"},
		{"30-minute fold: an hour outside it is untouched", "0 1 * * *", lordHowe,
			time.Date(2026, 4, 4, 12, 0, 0, 0, lordHowe),
			"04-05 01:00 +1100, 04-06 01:00 +1030"},
		{"30-minute fold: by the clock, both passes", "*/15 * * * *", lordHowe,
			time.Date(2026, 4, 5, 1, 20, 0, 0, lordHowe),
			"04-05 01:30 +1100, 04-05 01:45 +1100, 04-05 01:30 +1030, 04-05 01:45 +1030, 04-05 02:00 +1030"},
		// Santiago moves its clocks at midnight: 2026-09-06 has no 00:00.
		{"midnight gap: @daily runs at 01:00", "@daily", santiago,
			time.Date(2026, 9, 5, 12, 0, 0, 0, santiago),
			"09-06 01:00 -0300, 09-07 00:00 -0300"},
		{"zone without DST", "0 9 * * *", time.UTC,
			time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC),
			"03-08 09:00 +0000, 03-09 09:00 +0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCron(tt.spec, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(tt.want, ", ")
			var got []string
			for at := tt.after; len(got) < len(want); {
				at = c.Next(at)
				got = append(got, at.Format("01-02 15:04 -0700"))
			}
			if g := strings.Join(got, ", "); g != tt.want {
				t.Errorf("ParseCron(%q, %s) fires after %s = %s, want %s", tt.spec, tt.loc, tt.after.Format(time.RFC3339), g, tt.want)
			}
		})
	}
}

// TestCronEveryDayOnce walks a daily fixed-time spec through ten years of
// zones with daylight saving: each calendar day fires exactly once, and
// fire times always increase.
func TestCronEveryDayOnce(t *testing.T) {
	zones := []string{"America/New_York", "Australia/Lord_Howe", "Europe/London", "America/Santiago",
		"America/Havana", "Asia/Tehran", "Pacific/Apia", "Antarctica/Troll", "Asia/Shanghai"}
	for _, zone := range zones {
		for _, spec := range []string{"30 2 * * *", "30 1 * * *", "0 0 * * *", "15 0 * * *"} {
			t.Run(zone+" "+spec, func(t *testing.T) {
				loc := mustLoad(t, zone)
				c, err := ParseCron(spec, loc)
				if err != nil {
					t.Fatal(err)
				}
				at := time.Date(2020, 1, 1, 0, 0, 0, 0, loc)
				days := map[string]int{}
				for at.Year() < 2030 {
					next := c.Next(at)
					if !next.After(at) {
						t.Fatalf("Next(%v) = %v, want a later time", at, next)
					}
					at = next
					days[at.Format(time.DateOnly)]++
				}
				for day := time.Date(2020, 1, 2, 12, 0, 0, 0, time.UTC); day.Year() < 2030; day = day.AddDate(0, 0, 1) {
					key := day.Format(time.DateOnly)
					// Samoa skipped 2011-12-30 entirely; no such day here.
					if n := days[key]; n != 1 {
						t.Errorf("%s fires %d times on %s, want once", spec, n, key)
					}
				}
			})
		}
	}
}

// TestCronByClockKeepsItsPace: a spec that runs by the clock fires every ten
// minutes of real time through every change of a year, except in a gap.
func TestCronByClockKeepsItsPace(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Australia/Lord_Howe"} {
		loc := mustLoad(t, zone)
		c, err := ParseCron("*/10 * * * *", loc)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
		for at.Year() < 2027 {
			next := c.Next(at)
			if gap := next.Sub(at); gap != 10*time.Minute {
				if _, end := at.ZoneBounds(); gap <= 0 || gap > 10*time.Minute && !(next.Sub(end) >= 0 && next.Sub(end) < 10*time.Minute) {
					t.Fatalf("%s: Next(%v) = %v, %v later; want 10m, or the first fire after a gap", zone, at, next, gap)
				}
			}
			at = next
		}
	}
}

// FuzzCronAcrossDST checks that for any accepted spec, fire times strictly
// increase through New York's and Lord Howe's changes of 2026, and that a
// spec naming its hours never fires twice at one wall time.
func FuzzCronAcrossDST(f *testing.F) {
	for _, s := range []string{"30 2 * * *", "30 1 * * *", "*/30 * * * *", "0 */2 * * *", "15,45 1,2 * * *", "0 0 * * 0", "@daily", "*/7 */3 * * * *"} {
		f.Add(s)
	}
	var zones []*time.Location
	for _, name := range []string{"America/New_York", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			f.Fatal(err)
		}
		zones = append(zones, loc)
	}
	days := []time.Time{time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, spec string) {
		for _, loc := range zones {
			c, err := ParseCron(spec, loc)
			if err != nil {
				return
			}
			for _, day := range days {
				seen := map[string]bool{}
				at := day
				for range 500 {
					next := c.Next(at)
					if next.IsZero() || next.Sub(day) > 72*time.Hour {
						break
					}
					if !next.After(at) {
						t.Fatalf("ParseCron(%q, %s).Next(%v) = %v, want a later time", spec, loc, at, next)
					}
					wall := next.Format("2006-01-02 15:04:05")
					if !c.byClock && seen[wall] {
						t.Fatalf("ParseCron(%q, %s) fires twice at wall time %s", spec, loc, wall)
					}
					seen[wall] = true
					at = next
				}
			}
		}
	})
}
