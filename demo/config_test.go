package demo

import (
	"maps"
	"slices"
	"testing"
	"time"

	"spotcheck/config"
)

func TestConfig(t *testing.T) {
	c, err := config.Parse("demo/config.yaml", configYAML)
	if err != nil {
		t.Fatalf("Parse(demo config) = %v, want nil", err)
	}
	if got := Config(); got == nil {
		t.Fatal("Config() = nil, want the demo configuration")
	}
	if c.Timezone != "Asia/Shanghai" {
		t.Errorf("Timezone = %q, want Asia/Shanghai", c.Timezone)
	}
	if !maps.Equal(c.Tiers, config.Default().Tiers) {
		t.Errorf("Tiers = %v, want the defaults %v", c.Tiers, config.Default().Tiers)
	}
	if want := config.Default().Windows; !slices.Equal(c.Windows, want) {
		t.Errorf("Windows = %v, want the defaults %v", c.Windows, want)
	}
	for _, ind := range c.Industries {
		found := false
		for _, s := range c.Schedules {
			found = found || s.Industry == ind.ID
		}
		if !found {
			t.Errorf("industry %q has no schedule", ind.ID)
		}
	}
	for _, s := range c.Schedules {
		t.Run(s.Name, func(t *testing.T) {
			if s.Batches < 15 || s.Batches > 25 {
				t.Errorf("Batches = %d, want 15 to 25", s.Batches)
			}
			if s.InspectorsPerTask != 2 {
				t.Errorf("InspectorsPerTask = %d, want 2", s.InspectorsPerTask)
			}
			if s.Due != config.Duration(30*24*time.Hour) {
				t.Errorf("Due = %v, want 30d", s.Due)
			}
			if s.CatchUp != config.CatchUpLatest {
				t.Errorf("CatchUp = %q, want %q", s.CatchUp, config.CatchUpLatest)
			}
		})
	}
}

func TestConfigSchedulesFireOften(t *testing.T) {
	const maxGap = 15 * time.Second
	c := Config()
	// Start just before midnight so that the fires cross a day, an hour and
	// a minute boundary.
	start := time.Date(2026, 3, 1, 23, 59, 50, 0, c.Location)
	for _, s := range c.Schedules {
		t.Run(s.Name, func(t *testing.T) {
			sched, err := config.ParseCron(s.Cron, s.Location)
			if err != nil {
				t.Fatalf("ParseCron(%q) = %v, want nil", s.Cron, err)
			}
			prev := start
			for range 200 {
				next := sched.Next(prev)
				if gap := next.Sub(prev); gap <= 0 || gap > maxGap {
					t.Fatalf("Next(%v) = %v, %v later; want within %v", prev, next, gap, maxGap)
				}
				prev = next
			}
		})
	}
}
