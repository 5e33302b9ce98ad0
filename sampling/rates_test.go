package sampling

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// today is the end of every window below: a date at midnight UTC.
var today Day = "2026-11-28"

var defaultTiers = []TierRule{
	{Name: TierGeneral, Target: 0.92, Aggregate: AggregatePooled},
	{Name: TierKey, Target: 0.97, Aggregate: AggregatePooled},
	{Name: TierAgriInput, Target: 0.90, Aggregate: AggregateCategoryMean},
}

var w30 = []Window{{Name: "30d", Days: 30}}

// daysAgo is the rollup day n days before today.
func daysAgo(n int) Day { return today.AddDays(-n) }

func roll(day Day, tier, industry, category, county string, tested, failed int) Rollup {
	return Rollup{Day: day, Tier: tier, Industry: industry, Category: category, County: county, Final: true, Tested: tested, Failed: failed}
}

// approx reports whether a and b agree to 1e-12.
func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

// checkRow compares a row field by field, floats to 1e-12.
func checkRow(t *testing.T, i int, got, want RateRow) {
	t.Helper()
	g, w := got, want
	g.Rate, g.Lower, g.Upper, g.Target, g.PBelowTarget, g.WeightedRate, g.Excluded = 0, 0, 0, 0, 0, nil, nil
	w.Rate, w.Lower, w.Upper, w.Target, w.PBelowTarget, w.WeightedRate, w.Excluded = 0, 0, 0, 0, 0, nil, nil
	weighted := (got.WeightedRate == nil) == (want.WeightedRate == nil) &&
		(got.WeightedRate == nil || approx(*got.WeightedRate, *want.WeightedRate))
	if !reflect.DeepEqual(g, w) || !slices.Equal(got.Excluded, want.Excluded) || !approx(got.Rate, want.Rate) || !approx(got.Lower, want.Lower) ||
		!approx(got.Upper, want.Upper) || got.Target != want.Target ||
		!approx(got.PBelowTarget, want.PBelowTarget) || !weighted {
		t.Errorf("ComputeRates()[%d] =\n  %+v\nwant\n  %+v", i, got, want)
	}
}

func checkRows(t *testing.T, got, want []RateRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("ComputeRates() = %d rows %s, want %d rows %s", len(got), rowKeys(got), len(want), rowKeys(want))
	}
	for i := range got {
		checkRow(t, i, got[i], want[i])
	}
}

func rowKeys(rows []RateRow) string {
	var keys []string
	for _, r := range rows {
		keys = append(keys, strings.Trim(strings.Join([]string{r.Window, r.Tier, r.Industry, r.Category, r.County}, "/"), "/"))
	}
	return "[" + strings.Join(keys, " ") + "]"
}

// exactRow is a pooled row with its Clopper–Pearson bounds.
func exactRow(window, tier string, target float64, passed, batches int, status string) RateRow {
	lower, upper := ClopperPearson(passed, batches)
	return RateRow{
		Window: window, Tier: tier, Batches: batches, Failed: batches - passed, Passed: passed,
		Rate: float64(passed) / float64(batches), Lower: lower, Upper: upper, Target: target, Status: status,
		PBelowTarget: JeffreysBelow(passed, batches, target),
	}
}

func TestComputeRatesPooled(t *testing.T) {
	rollups := []Rollup{
		roll(daysAgo(0), TierGeneral, "textiles", "garments", "gusu", 100, 5),
		roll(daysAgo(3), TierGeneral, "food", "edible-oil", "wuzhong", 60, 6),
		roll(daysAgo(3), TierGeneral, "food", "edible-oil", "gusu", 0, 0),
	}
	got := ComputeRates(rollups, defaultTiers, w30, today, RateOptions{MinBatches: 30})
	// 149 of 160 passed: pooled across industries, categories and counties.
	checkRows(t, got, []RateRow{exactRow("30d", TierGeneral, 0.92, 149, 160, StatusMet)})
}

// agriRollups have the SPEC's example: pesticides 9/10, fertilizers 95/100,
// veterinary drugs 40/50. The mean of the category rates is 0.8833…, while
// pooling gives 144/160 = 0.9.
func agriRollups(tier string) []Rollup {
	return []Rollup{
		roll(daysAgo(1), tier, "agri", "pesticides", "gusu", 6, 1),
		roll(daysAgo(2), tier, "agri", "pesticides", "wuzhong", 4, 0),
		roll(daysAgo(1), tier, "agri", "fertilizers", "gusu", 100, 5),
		roll(daysAgo(5), tier, "agri", "veterinary", "wuzhong", 50, 10),
	}
}

// meanBelowRef computes the probability that a category mean is below
// target independently: each category's Jeffreys posterior Beta(x+½, n−x+½)
// has mean (x+½)/(n+1) and variance m(1−m)/(n+2); the mean of k of them is
// taken as normal.
func meanBelowRef(target float64, passedTested ...[2]int) float64 {
	mean, v := 0.0, 0.0
	for _, pt := range passedTested {
		m := (float64(pt[0]) + 0.5) / float64(pt[1]+1)
		mean += m
		v += m * (1 - m) / float64(pt[1]+2)
	}
	k := float64(len(passedTested))
	z := (target - mean/k) / (math.Sqrt(v) / k)
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}

// meanBoundsRef computes the category-mean bounds independently: a normal
// approximation with each category's variance at its Agresti–Coull rate
// (x+2)/(n+4), the mean's standard error sqrt(Σ var)/k.
func meanBoundsRef(mean float64, passedTested ...[2]int) (lower, upper float64) {
	const z = 1.6448536269514727
	v := 0.0
	for _, pt := range passedTested {
		n := float64(pt[1] + 4)
		p := float64(pt[0]+2) / n
		v += p * (1 - p) / n
	}
	se := math.Sqrt(v) / float64(len(passedTested))
	return max(0, mean-z*se), min(1, mean+z*se)
}

func TestComputeRatesCategoryMean(t *testing.T) {
	mean := (0.9 + 0.95 + 0.8) / 3
	lower, upper := meanBoundsRef(mean, [2]int{9, 10}, [2]int{95, 100}, [2]int{40, 50})
	got := ComputeRates(agriRollups(TierAgriInput), defaultTiers, w30, today, RateOptions{MinBatches: 30})
	// Below the 0.90 target, but the upper bound (≈0.952) is above it: at
	// risk, not missed. Pooled, the same batches would meet the target.
	checkRows(t, got, []RateRow{{
		Window: "30d", Tier: TierAgriInput, Batches: 160, Failed: 16, Passed: 144,
		Rate: mean, Lower: lower, Upper: upper, Target: 0.90, Status: StatusAtRisk,
		PBelowTarget: meanBelowRef(0.90, [2]int{9, 10}, [2]int{95, 100}, [2]int{40, 50}),
	}})
	if math.Abs(got[0].Rate-144.0/160) < 0.01 {
		t.Errorf("category_mean rate = %v, too close to the pooled 0.9", got[0].Rate)
	}

	pooled := []TierRule{{Name: TierAgriInput, Target: 0.90, Aggregate: AggregatePooled}}
	got = ComputeRates(agriRollups(TierAgriInput), pooled, w30, today, RateOptions{MinBatches: 30})
	checkRows(t, got, []RateRow{exactRow("30d", TierAgriInput, 0.90, 144, 160, StatusMet)})
}

// TestComputeRatesCategoryMeanPerIndustry checks that a category is the pair
// (industry, category): the same category id in two industries counts twice.
func TestComputeRatesCategoryMeanPerIndustry(t *testing.T) {
	rollups := []Rollup{
		roll(daysAgo(1), "export", "a", "toys", "gusu", 10, 0),
		roll(daysAgo(1), "export", "b", "toys", "gusu", 10, 5),
		roll(daysAgo(1), "export", "b", "toys", "wuzhong", 10, 5),
	}
	tiers := []TierRule{{Name: "export", Target: 0.5, Aggregate: AggregateCategoryMean}}
	got := ComputeRates(rollups, tiers, w30, today, RateOptions{})
	mean := (1.0 + 0.5) / 2
	lower, upper := meanBoundsRef(mean, [2]int{10, 10}, [2]int{10, 20})
	checkRows(t, got, []RateRow{{
		Window: "30d", Tier: "export", Batches: 30, Failed: 10, Passed: 20,
		Rate: mean, Lower: lower, Upper: upper, Target: 0.5, Status: StatusMet,
		PBelowTarget: meanBelowRef(0.5, [2]int{10, 10}, [2]int{10, 20}),
	}})
}

// TestComputeRatesWindows gives each rollup a distinct power of two of
// batches, so that a window's batch count spells out which days it took.
func TestComputeRatesWindows(t *testing.T) {
	days := []struct {
		day  Day
		name string
	}{
		{daysAgo(0), "today"},              // 1
		{daysAgo(29), "29 days ago"},       // 2
		{daysAgo(30), "30 days ago"},       // 4
		{daysAgo(31), "31 days ago"},       // 8
		{daysAgo(89), "89 days ago"},       // 16
		{daysAgo(90), "90 days ago"},       // 32
		{NewDay(2026, 1, 1), "Jan 1"},      // 64
		{NewDay(2025, 12, 31), "Dec 31"},   // 128
		{daysAgo(364), "364 days ago"},     // 256
		{daysAgo(365), "365 days ago"},     // 512
		{today.AddDays(1), "tomorrow"},     // 1024
		{NewDay(2027, 1, 1), "next Jan 1"}, // 2048
	}
	var rollups []Rollup
	for i, d := range days {
		rollups = append(rollups, roll(d.day, TierGeneral, "textiles", "garments", "gusu", 1<<i, 0))
	}
	windows := []Window{{Name: "30d", Days: 30}, {Name: "90d", Days: 90}, {Name: "365d", Days: 365}, {Name: "ytd", YTD: true}, {Name: "1d", Days: 1}}
	want := map[string][]string{
		"30d":  {"today", "29 days ago"},
		"90d":  {"today", "29 days ago", "30 days ago", "31 days ago", "89 days ago"},
		"365d": {"today", "29 days ago", "30 days ago", "31 days ago", "89 days ago", "90 days ago", "Jan 1", "Dec 31", "364 days ago"},
		"ytd":  {"today", "29 days ago", "30 days ago", "31 days ago", "89 days ago", "90 days ago", "Jan 1"},
		"1d":   {"today"},
	}
	got := ComputeRates(rollups, defaultTiers, windows, today, RateOptions{})
	if len(got) != len(windows) {
		t.Fatalf("ComputeRates() = %d rows %s, want one per window", len(got), rowKeys(got))
	}
	for i, w := range windows {
		if got[i].Window != w.Name {
			t.Errorf("ComputeRates()[%d].Window = %q, want %q (window order)", i, got[i].Window, w.Name)
			continue
		}
		var in []string
		for j, d := range days {
			if got[i].Batches&(1<<j) != 0 {
				in = append(in, d.name)
			}
		}
		if fmt.Sprint(in) != fmt.Sprint(want[w.Name]) {
			t.Errorf("window %s took %v, want %v", w.Name, in, want[w.Name])
		}
	}
}

func TestWindowStart(t *testing.T) {
	tests := []struct {
		w     Window
		today Day
		want  Day
	}{
		{Window{Name: "30d", Days: 30}, today, NewDay(2026, 10, 30)},
		{Window{Name: "1d", Days: 1}, today, today},
		{Window{Name: "365d", Days: 365}, today, NewDay(2025, 11, 29)},
		{Window{Name: "ytd", YTD: true}, today, NewDay(2026, 1, 1)},
		{Window{Name: "ytd", YTD: true}, NewDay(2027, 1, 1), NewDay(2027, 1, 1)},
		// Across a leap day.
		{Window{Name: "30d", Days: 30}, NewDay(2028, 3, 15), NewDay(2028, 2, 15)},
	}
	for _, tt := range tests {
		if got := tt.w.Start(tt.today); got != tt.want {
			t.Errorf("Window{%s}.Start(%s) = %s, want %s", tt.w.Name, tt.today, got, tt.want)
		}
	}
}

func TestComputeRatesStatus(t *testing.T) {
	tests := []struct {
		name              string
		passed, batches   int
		target            float64
		minBatches        int
		want              string
		wantUpperBelowTgt bool
	}{
		{"above target", 95, 100, 0.92, 30, StatusMet, false},
		{"exactly at target", 92, 100, 0.92, 30, StatusMet, false},
		{"exactly the minimum sample", 30, 30, 0.92, 30, StatusMet, false},
		{"no minimum", 3, 3, 0.92, 0, StatusMet, false},
		// Upper bound below the target: conclusively missed.
		{"far below target", 80, 100, 0.92, 30, StatusMissed, true},
		{"missed despite a small sample", 0, 10, 0.92, 30, StatusMissed, true},
		// Below the target, but the upper bound reaches it.
		{"below target, not conclusive", 90, 100, 0.92, 30, StatusAtRisk, false},
		// Above the target on too few batches.
		{"above target, small sample", 20, 20, 0.92, 30, StatusAtRisk, false},
		{"one short of the minimum", 29, 29, 0.92, 30, StatusAtRisk, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rollups := []Rollup{roll(daysAgo(1), TierGeneral, "textiles", "garments", "gusu", tt.batches, tt.batches-tt.passed)}
			tiers := []TierRule{{Name: TierGeneral, Target: tt.target, Aggregate: AggregatePooled}}
			got := ComputeRates(rollups, tiers, w30, today, RateOptions{MinBatches: tt.minBatches})
			if len(got) != 1 {
				t.Fatalf("ComputeRates() = %d rows, want 1", len(got))
			}
			if got[0].Status != tt.want {
				t.Errorf("ComputeRates(%d/%d, target %v, min %d).Status = %q, want %q (rate %v, upper %v)",
					tt.passed, tt.batches, tt.target, tt.minBatches, got[0].Status, tt.want, got[0].Rate, got[0].Upper)
			}
			if below := got[0].Upper < tt.target; below != tt.wantUpperBelowTgt {
				t.Errorf("upper %v < target %v is %t, want %t: the case does not test what it says", got[0].Upper, tt.target, below, tt.wantUpperBelowTgt)
			}
		})
	}
}

// groupRollups span two industries, three categories and two counties in
// the general tier, and agricultural inputs in two counties.
func groupRollups() []Rollup {
	return append([]Rollup{
		roll(daysAgo(1), TierGeneral, "textiles", "garments", "gusu", 40, 2),
		roll(daysAgo(2), TierGeneral, "textiles", "garments", "wuzhong", 10, 1),
		roll(daysAgo(2), TierGeneral, "textiles", "bedding", "wuzhong", 20, 0),
		roll(daysAgo(3), TierGeneral, "food", "garments", "gusu", 30, 3),
	}, agriRollups(TierAgriInput)...)
}

func TestComputeRatesByIndustry(t *testing.T) {
	got := ComputeRates(groupRollups(), defaultTiers, w30, today, RateOptions{By: ByIndustry, MinBatches: 30})
	mean := (0.9 + 0.95 + 0.8) / 3
	lower, upper := meanBoundsRef(mean, [2]int{9, 10}, [2]int{95, 100}, [2]int{40, 50})
	// food: 27 of 30 is below 0.92, but 30 batches cannot show it.
	food := exactRow("30d", TierGeneral, 0.92, 27, 30, StatusAtRisk)
	food.Industry = "food"
	textiles := exactRow("30d", TierGeneral, 0.92, 67, 70, StatusMet)
	textiles.Industry = "textiles"
	checkRows(t, got, []RateRow{
		food,
		textiles,
		{Window: "30d", Tier: TierAgriInput, Industry: "agri", Batches: 160, Failed: 16, Passed: 144,
			Rate: mean, Lower: lower, Upper: upper, Target: 0.90, Status: StatusAtRisk,
			PBelowTarget: meanBelowRef(0.90, [2]int{9, 10}, [2]int{95, 100}, [2]int{40, 50})},
	})
}

func TestComputeRatesByCategory(t *testing.T) {
	got := ComputeRates(groupRollups(), defaultTiers, w30, today, RateOptions{By: ByCategory, MinBatches: 30})
	row := func(tier, industry, category string, passed, batches int, target float64, status string) RateRow {
		r := exactRow("30d", tier, target, passed, batches, status)
		r.Industry, r.Category = industry, category
		return r
	}
	// A category_mean row of one category is that category's rate, with
	// its exact bounds.
	cat := func(category string, passed, batches int, status string) RateRow {
		rate := float64(passed) / float64(batches)
		lower, upper := ClopperPearson(passed, batches)
		return RateRow{Window: "30d", Tier: TierAgriInput, Industry: "agri", Category: category,
			Batches: batches, Failed: batches - passed, Passed: passed, Rate: rate, Lower: lower, Upper: upper,
			Target: 0.90, Status: status, PBelowTarget: meanBelowRef(0.90, [2]int{passed, batches})}
	}
	checkRows(t, got, []RateRow{
		// Groups sort by industry/category: "food" before "textiles".
		row(TierGeneral, "food", "garments", 27, 30, 0.92, StatusAtRisk),
		row(TierGeneral, "textiles", "bedding", 20, 20, 0.92, StatusAtRisk),
		row(TierGeneral, "textiles", "garments", 47, 50, 0.92, StatusMet),
		cat("fertilizers", 95, 100, StatusMet),
		cat("pesticides", 9, 10, StatusAtRisk),
		cat("veterinary", 40, 50, StatusMissed),
	})
}

func TestComputeRatesByCounty(t *testing.T) {
	got := ComputeRates(groupRollups(), defaultTiers, w30, today, RateOptions{By: ByCounty, MinBatches: 30})
	row := func(county string, passed, batches int, status string) RateRow {
		r := exactRow("30d", TierGeneral, 0.92, passed, batches, status)
		r.County = county
		return r
	}
	// agri in gusu: pesticides 5/6, fertilizers 95/100; in wuzhong:
	// pesticides 4/4, veterinary 40/50.
	gusuMean := (5.0/6 + 0.95) / 2
	gl, gu := meanBoundsRef(gusuMean, [2]int{5, 6}, [2]int{95, 100})
	wuMean := (1 + 0.8) / 2
	wl, wu := meanBoundsRef(wuMean, [2]int{4, 4}, [2]int{40, 50})
	checkRows(t, got, []RateRow{
		row("gusu", 65, 70, StatusMet),
		row("wuzhong", 29, 30, StatusMet),
		{Window: "30d", Tier: TierAgriInput, County: "gusu", Batches: 106, Failed: 6, Passed: 100,
			Rate: gusuMean, Lower: gl, Upper: gu, Target: 0.90, Status: StatusAtRisk,
			PBelowTarget: meanBelowRef(0.90, [2]int{5, 6}, [2]int{95, 100})},
		{Window: "30d", Tier: TierAgriInput, County: "wuzhong", Batches: 54, Failed: 10, Passed: 44,
			Rate: wuMean, Lower: wl, Upper: wu, Target: 0.90, Status: StatusMet,
			PBelowTarget: meanBelowRef(0.90, [2]int{4, 4}, [2]int{40, 50})},
	})
}

func TestComputeRatesOrderAndEmpty(t *testing.T) {
	windows := []Window{{Name: "90d", Days: 90}, {Name: "30d", Days: 30}}
	tiers := []TierRule{
		{Name: "export", Target: 0.99, Aggregate: AggregatePooled},
		{Name: TierKey, Target: 0.97, Aggregate: AggregatePooled},
		{Name: TierGeneral, Target: 0.92, Aggregate: AggregatePooled},
	}
	rollups := []Rollup{
		roll(daysAgo(1), TierGeneral, "textiles", "garments", "gusu", 10, 0),
		roll(daysAgo(60), "export", "textiles", "silk", "gusu", 10, 0),
		// A tier the rules do not name is left out.
		roll(daysAgo(1), "retired", "textiles", "hats", "gusu", 10, 0),
		// So is a day with nothing tested.
		roll(daysAgo(1), TierKey, "textiles", "car-seats", "gusu", 0, 0),
	}
	got := ComputeRates(rollups, tiers, windows, today, RateOptions{})
	// Window order, then tier order as given; key has no data and export
	// none in 30d, so they have no rows.
	if want := "[90d/export 90d/general 30d/general]"; rowKeys(got) != want {
		t.Errorf("ComputeRates() = %s, want %s", rowKeys(got), want)
	}
	if got := ComputeRates(nil, tiers, windows, today, RateOptions{}); len(got) != 0 {
		t.Errorf("ComputeRates(no rollups) = %s, want no rows", rowKeys(got))
	}
	if got := ComputeRates(rollups, nil, windows, today, RateOptions{}); len(got) != 0 {
		t.Errorf("ComputeRates(no tiers) = %s, want no rows", rowKeys(got))
	}
}

// TestComputeRatesDeterministic checks that the same rollups always give
// the same rows. The category rates 0.95, 0.9 and 0.85 average to exactly
// the 0.90 target, but in float64 their sum depends on the order of the
// additions: summed in map order, the status flipped between met and
// at_risk from one call to the next.
func TestComputeRatesDeterministic(t *testing.T) {
	rollups := []Rollup{
		roll(daysAgo(1), TierAgriInput, "agri", "fertilizers", "gusu", 100, 5),
		roll(daysAgo(1), TierAgriInput, "agri", "pesticides", "gusu", 100, 10),
		roll(daysAgo(1), TierAgriInput, "agri", "veterinary", "gusu", 100, 15),
	}
	first := ComputeRates(rollups, defaultTiers, w30, today, RateOptions{MinBatches: 30})
	if len(first) != 1 {
		t.Fatalf("ComputeRates() = %d rows, want 1", len(first))
	}
	for i := range 200 {
		got := ComputeRates(rollups, defaultTiers, w30, today, RateOptions{MinBatches: 30})
		if len(got) != 1 || !reflect.DeepEqual(got[0], first[0]) {
			t.Fatalf("call %d: ComputeRates() = %+v, want %+v as on the first call", i, got, first)
		}
	}
}
