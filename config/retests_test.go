package config

import (
	"maps"
	"testing"

	"spotcheck/sampling"
)

func checkRetests(t *testing.T, c *Config) {
	t.Helper()
	if got, want := c.ObjectionDays(), map[string]int{"food": 7, "textiles": 15}; !maps.Equal(got, want) {
		t.Errorf("ObjectionDays() = %v, want %v", got, want)
	}
	want := map[string]sampling.StabilityRule{
		"general": {Periods: 6, Period: sampling.PeriodMonth, MinBatches: 30},
		// The key tier keeps its default when the file leaves it alone.
		"key": {Periods: 4, Period: sampling.PeriodQuarter, MinBatches: 30},
	}
	if got := c.StabilityRules(); !maps.Equal(got, want) {
		t.Errorf("StabilityRules() = %v, want %v", got, want)
	}
}
