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
