package scheduler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"spotcheck/config"
)

func TestDecide(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	hourly, err := config.ParseCron("0 * * * *", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 11, 28, h, m, 0, 0, shanghai) }
	// describe renders actions as "09:00 scheduled make, 10:00 catch_up missed".
	describe := func(actions []Action) string {
		var parts []string
		for _, a := range actions {
			verb := "missed"
			if a.Make {
				verb = "make"
			}
			parts = append(parts, fmt.Sprintf("%s %s %s", a.Nominal.In(shanghai).Format("15:04"), a.Kind, verb))
		}
		return strings.Join(parts, ", ")
	}
	tests := []struct {
		name   string
		now    time.Time
		after  time.Time
		policy string
		max    int
		want   string
	}{
		{"nothing due", at(9, 30), at(9, 0), config.CatchUpLatest, 10, ""},
		{"on time", at(10, 0), at(9, 0), config.CatchUpLatest, 10, "10:00 scheduled make"},
		{"within grace", at(10, 0).Add(59 * time.Second), at(9, 0), config.CatchUpNone, 10, "10:00 scheduled make"},
		{"late, none", at(10, 5), at(9, 0), config.CatchUpNone, 10, "10:00 catch_up missed"},
		{"late, latest", at(10, 5), at(9, 0), config.CatchUpLatest, 10, "10:00 catch_up make"},
		{"down 3h, none", at(12, 30), at(9, 0), config.CatchUpNone, 10, "10:00 catch_up missed, 11:00 catch_up missed, 12:00 catch_up missed"},
		{"down 3h, latest", at(12, 30), at(9, 0), config.CatchUpLatest, 10, "10:00 catch_up missed, 11:00 catch_up missed, 12:00 catch_up make"},
		{"down 3h, all", at(12, 30), at(9, 0), config.CatchUpAll, 10, "10:00 catch_up make, 11:00 catch_up make, 12:00 catch_up make"},
		{"down 3h, all, max 2", at(12, 30), at(9, 0), config.CatchUpAll, 2, "10:00 catch_up missed, 11:00 catch_up make, 12:00 catch_up make"},
		{"back on a fire, latest", at(12, 0), at(9, 0), config.CatchUpLatest, 10, "10:00 catch_up missed, 11:00 catch_up missed, 12:00 scheduled make"},
		{"back on a fire, all, max 2", at(12, 0), at(9, 0), config.CatchUpAll, 2, "10:00 catch_up missed, 11:00 catch_up make, 12:00 scheduled make"},
		{"back on a fire, none", at(12, 0), at(10, 0), config.CatchUpNone, 10, "11:00 catch_up missed, 12:00 scheduled make"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dropped := Decide(tt.now, hourly, tt.after, tt.policy, tt.max, time.Minute)
			if describe(got) != tt.want || dropped != 0 {
				t.Errorf("Decide(%s, after %s, %s) = %q (dropped %d), want %q", tt.now.Format("15:04:05"), tt.after.Format("15:04"), tt.policy, describe(got), dropped, tt.want)
			}
		})
	}
}

func TestDecideBoundsLongOutages(t *testing.T) {
	every10s, err := config.ParseCron("*/10 * * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 5, 0, time.UTC)
	got, dropped := Decide(now, every10s, now.Add(-24*time.Hour), config.CatchUpLatest, 10, time.Minute)
	if len(got) != maxDue || dropped != 24*360-maxDue {
		t.Fatalf("Decide over a day of 10s fires = %d actions, %d dropped; want %d, %d", len(got), dropped, maxDue, 24*360-maxDue)
	}
	if last := got[len(got)-1]; !last.Make || !last.Nominal.Equal(now.Add(-5*time.Second)) {
		t.Errorf("newest action = %+v, want the 12:00:00 fire made", last)
	}
}

// TestDecideClockPositions places the clock around a fire and its grace.
func TestDecideClockPositions(t *testing.T) {
	hourly, err := config.ParseCron("0 * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	fire := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	after := fire.Add(-time.Hour)
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"just before the fire", fire.Add(-time.Nanosecond), ""},
		{"on the fire", fire, "10:00 scheduled make"},
		{"at the end of the grace", fire.Add(time.Minute), "10:00 scheduled make"},
		{"just after the grace", fire.Add(time.Minute + time.Nanosecond), "10:00 catch_up make"},
		{"just before the next fire", fire.Add(time.Hour - time.Nanosecond), "10:00 catch_up make"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Decide(tt.now, hourly, after, config.CatchUpLatest, 10, time.Minute)
			if d := describeIn(got, time.UTC); d != tt.want {
				t.Errorf("Decide(%s) = %q, want %q", tt.now.Format(time.RFC3339Nano), d, tt.want)
			}
		})
	}
}

// TestDecideAcrossDST: the fires Decide handles follow config.Cron's
// daylight-saving rules, whatever the downtime.
func TestDecideAcrossDST(t *testing.T) {
	newYork, _ := time.LoadLocation("America/New_York")
	lordHowe, _ := time.LoadLocation("Australia/Lord_Howe")
	ny := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, newYork) }
	lh := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, lordHowe) }
	tests := []struct {
		name   string
		spec   string
		loc    *time.Location
		after  time.Time
		now    time.Time
		policy string
		want   string
	}{
		{"gap fire runs at its end, on time", "30 2 * * *", newYork, ny(3, 7, 2, 30), ny(3, 8, 3, 0).Add(30 * time.Second), config.CatchUpLatest,
			"03-08 03:00 -0400 scheduled make"},
		{"down across the gap, all", "30 2 * * *", newYork, ny(3, 6, 2, 30), ny(3, 9, 12, 0), config.CatchUpAll,
			"03-07 02:30 -0500 catch_up make, 03-08 03:00 -0400 catch_up make, 03-09 02:30 -0400 catch_up make"},
		{"hourly down across the gap, none", "0 * * * *", newYork, ny(3, 8, 0, 0), ny(3, 8, 4, 30), config.CatchUpNone,
			"03-08 01:00 -0500 catch_up missed, 03-08 03:00 -0400 catch_up missed, 03-08 04:00 -0400 catch_up missed"},
		{"fold fire once: nothing in the second pass", "30 1 * * *", newYork, ny(11, 1, 1, 30), ny(11, 1, 1, 0).Add(time.Hour + 45*time.Minute), config.CatchUpAll,
			""},
		{"fold, by the clock: both passes, down through it", "*/30 * * * *", newYork, ny(11, 1, 0, 30), ny(11, 1, 2, 10), config.CatchUpLatest,
			"11-01 01:00 -0400 catch_up missed, 11-01 01:30 -0400 catch_up missed, 11-01 01:00 -0500 catch_up missed, 11-01 01:30 -0500 catch_up missed, 11-01 02:00 -0500 catch_up make"},
		{"Lord Howe gap fire at 02:30", "15 2 * * *", lordHowe, lh(10, 3, 2, 15), lh(10, 4, 2, 30), config.CatchUpLatest,
			"10-04 02:30 +1100 scheduled make"},
		{"Lord Howe fold, down a day", "45 1 * * *", lordHowe, lh(4, 4, 1, 45), lh(4, 6, 9, 0), config.CatchUpNone,
			"04-05 01:45 +1100 catch_up missed, 04-06 01:45 +1030 catch_up missed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := config.ParseCron(tt.spec, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := Decide(tt.now, spec, tt.after, tt.policy, 10, time.Minute)
			if d := describeIn(got, tt.loc); d != tt.want {
				t.Errorf("Decide(%s, %s, after %s, %s) =\n%s\nwant\n%s", tt.spec, tt.now.Format(time.RFC3339), tt.after.Format(time.RFC3339), tt.policy, d, tt.want)
			}
		})
	}
}

// describeIn renders actions with their day and offset in loc.
func describeIn(actions []Action, loc *time.Location) string {
	var parts []string
	for _, a := range actions {
		verb := "missed"
		if a.Make {
			verb = "make"
		}
		layout := "01-02 15:04 -0700"
		if loc == time.UTC {
			layout = "15:04"
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", a.Nominal.In(loc).Format(layout), a.Kind, verb))
	}
	return strings.Join(parts, ", ")
}

// TestDecidePolicyReasons: each fire left out says how late it was settled
// and what its policy made instead.
func TestDecidePolicyReasons(t *testing.T) {
	hourly, err := config.ParseCron("0 * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 30, 0, time.UTC)
	after := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		policy string
		max    int
		want   string // of the 11:00 fire
	}{
		{config.CatchUpNone, 10, "settled 1h0m30s after its time (more than the grace of 1m0s): catch_up policy none makes no late fire, and of fires due together only the newest, when on time"},
		{config.CatchUpLatest, 10, "settled 1h0m30s after its time (more than the grace of 1m0s): catch_up policy latest makes only the newest due fire, at 2026-11-28T12:00:00Z"},
		{config.CatchUpAll, 1, "settled 1h0m30s after its time (more than the grace of 1m0s): catch_up policy all makes only the newest 1 due fires (max_catch_up)"},
	} {
		actions, _ := Decide(now, hourly, after, tt.policy, tt.max, time.Minute)
		if len(actions) != 2 || actions[0].Make || actions[0].Policy != tt.want || actions[1].Policy != "" {
			t.Errorf("Decide(%s) = %+v, want the 11:00 fire left out with %q", tt.policy, actions, tt.want)
		}
	}
}
