package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
)

const scopeYAML = `industries:
  - id: textiles
    categories:
      - {id: garments, tier: general, quantity: {test: 2, backup: 2}}
      - {id: knitwear, tier: general}
      - {id: childrens-garments, tier: key, quantity: {test: 3, backup: 1}}
schedules:
  - name: textiles-monthly
    industry: textiles
    cron: "0 9 1 * *"
    batches: 40
`

// TestScheduleScope checks the keys that limit and weight a schedule's
// frame: counties, categories, partial risk weights and fail_boost.
func TestScheduleScope(t *testing.T) {
	c, err := Parse("scope.yaml", []byte(scopeYAML+`    counties: [姑苏区, 吴江区]
    categories: [garments, childrens-garments]
    strata: [category]
    risk_weights: {D: 16}
    fail_boost: 3
    min_per_stratum: 1
    cross_county: true
`))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	sc := c.Schedule("textiles-monthly")
	if want := map[string]float64{"A": 1, "B": 2, "C": 4, "D": 16}; !reflect.DeepEqual(sc.RiskWeights, want) {
		t.Errorf("RiskWeights = %v, want %v: classes left out keep their defaults", sc.RiskWeights, want)
	}
	nominal := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) // 01:00 on 1 December in Shanghai
	got := sc.Design(c.Industry("textiles"), nominal)
	want := sampling.Design{
		Industry: "textiles",
		Categories: map[string]sampling.CategoryRule{
			"garments":           {Tier: "general", Quantity: sampling.Quantity{Test: 2, Backup: 2}},
			"childrens-garments": {Tier: "key", Quantity: sampling.Quantity{Test: 3, Backup: 1}},
		},
		Counties:          []string{"姑苏区", "吴江区"},
		Strata:            []string{"category"},
		Allocation:        "proportional",
		Batches:           40,
		MinPerStratum:     1,
		NoRepeatSeconds:   180 * 24 * 3600,
		RiskWeights:       map[string]float64{"A": 1, "B": 2, "C": 4, "D": 16},
		FailBoost:         3,
		InspectorsPerTask: 2,
		CrossCounty:       true,
		Due:               "2026-12-31",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Design =\n%+v\nwant\n%+v", got, want)
	}
}

func TestScheduleScopeErrors(t *testing.T) {
	_, err := Parse("scope.yaml", []byte(scopeYAML+`    counties: [姑苏区, "", 姑苏区]
    categories: [garments, shoes, garments]
    fail_boost: 0.5
`))
	if err == nil {
		t.Fatal("Parse = nil, want errors")
	}
	for _, want := range []string{
		`scope.yaml:12: schedules[0].counties[1]: county must not be empty`,
		`scope.yaml:12: schedules[0].counties[2]: duplicate county "姑苏区"`,
		`scope.yaml:13: schedules[0].categories[1]: category "shoes" is not a category of industry "textiles"`,
		`scope.yaml:13: schedules[0].categories[2]: duplicate category "garments"`,
		`scope.yaml:14: schedules[0].fail_boost: boost 0.5 must be at least 1 (1 means no boost)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse = %v\nwant it to contain %q", err, want)
		}
	}
}
