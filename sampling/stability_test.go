package sampling

import (
	"math"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) Day { return NewDay(y, m, d) }

var keyTier = TierRule{Name: TierKey, Target: 0.97, Aggregate: AggregatePooled}

var fourQuarters = StabilityRule{Periods: 4, Period: PeriodQuarter}

// keyRollups has 300 flawless batches in each quarter from 2025Q4 to the
// current 2026Q4, except 2026Q2, which has 100 batches and 10 failures.
func keyRollups() []Rollup {
	return []Rollup{
		roll(day(2025, 12, 10), TierKey, "auto", "car-seats", "gusu", 300, 0),
		roll(day(2026, 2, 10), TierKey, "auto", "car-seats", "gusu", 300, 0),
		roll(day(2026, 5, 10), TierKey, "auto", "car-seats", "gusu", 60, 6),
		roll(day(2026, 6, 30), TierKey, "auto", "car-seats", "wuzhong", 40, 4),
		roll(day(2026, 8, 10), TierKey, "auto", "car-seats", "gusu", 300, 0),
		roll(day(2026, 11, 10), TierKey, "auto", "car-seats", "gusu", 300, 0),
	}
}

// TestKeyTierUnstable pins the key tier's rule: its pooled rate over the
// year is well above 97%, yet one bad quarter makes it unstable.
func TestKeyTierUnstable(t *testing.T) {
	rollups := keyRollups()
	headline := ComputeRates(rollups, []TierRule{keyTier}, []Window{{Name: "365d", Days: 365}}, today, RateOptions{MinBatches: 30})
	// 1290 of 1300 passed: 99.23%.
	checkRows(t, headline, []RateRow{exactRow("365d", TierKey, 0.97, 1290, 1300, StatusMet)})

	got := ComputeStability(rollups, keyTier, fourQuarters, today, RateOptions{MinBatches: 30})
	if got.Stable || got.Status != StabilityUnstable {
		t.Errorf("ComputeStability() = stable %t, status %q; want false, unstable", got.Stable, got.Status)
	}
	want := []struct {
		period          string
		from, to        Day
		passed, batches int
		status          string
	}{
		{"2025Q4", "2025-10-01", "2025-12-31", 300, 300, StatusMet},
		{"2026Q1", "2026-01-01", "2026-03-31", 300, 300, StatusMet},
		// 90 of 100: the upper bound 94.4% is below 97%.
		{"2026Q2", "2026-04-01", "2026-06-30", 90, 100, StatusMissed},
		{"2026Q3", "2026-07-01", "2026-09-30", 300, 300, StatusMet},
	}
	if len(got.Periods) != len(want) {
		t.Fatalf("ComputeStability() has %d periods, want %d: %+v", len(got.Periods), len(want), got.Periods)
	}
	for i, w := range want {
		p := got.Periods[i]
		lower, upper := ClopperPearson(w.passed, w.batches)
		if p.Period != w.period || p.From != w.from || p.To != w.to || p.Batches != w.batches || p.Failed != w.batches-w.passed ||
			p.Status != w.status || !approx(p.Lower, lower) || !approx(p.Upper, upper) ||
			!approx(p.PBelowTarget, JeffreysBelow(w.passed, w.batches, 0.97)) {
			t.Errorf("period %d = %+v, want %s %s..%s %d/%d %s", i, p, w.period, w.from, w.to, w.passed, w.batches, w.status)
		}
	}
	if got.Rule != "each of the last 4 quarters" {
		t.Errorf("Rule = %q", got.Rule)
	}
}

func TestKeyTierStable(t *testing.T) {
	rollups := keyRollups()
	rollups[2].Failed, rollups[3].Failed = 0, 0
	got := ComputeStability(rollups, keyTier, fourQuarters, today, RateOptions{MinBatches: 30})
	if !got.Stable || got.Status != StabilityStable {
		t.Errorf("ComputeStability(all quarters clean) = stable %t, status %q; want true, stable", got.Stable, got.Status)
	}
	// A quarter with no batches proves nothing: insufficient, not stable
	// and not unstable.
	got = ComputeStability(rollups[1:], keyTier, fourQuarters, today, RateOptions{MinBatches: 30})
	if got.Stable || got.Status != StabilityInsufficient || got.Periods[0].Batches != 0 || got.Periods[0].Upper != 1 ||
		got.Periods[0].Status != PeriodInsufficient {
		t.Errorf("ComputeStability(empty 2025Q4) = %+v; want insufficient with an empty first period", got)
	}
	// Too few batches in a quarter for the rule's minimum: insufficient;
	// the other quarters are judged.
	rule := fourQuarters
	rule.MinBatches = 101
	got = ComputeStability(rollups, keyTier, rule, today, RateOptions{MinBatches: 30})
	if got.Status != StabilityInsufficient || got.MinBatches != 101 || got.Periods[2].Status != PeriodInsufficient || got.Periods[1].Status != StatusMet {
		t.Errorf("ComputeStability(min 101) = %+v, want insufficient from 2026Q2 alone", got)
	}
	// A missed quarter makes the tier unstable even beside an insufficient
	// one.
	rollups = keyRollups()
	got = ComputeStability(rollups[1:], keyTier, fourQuarters, today, RateOptions{MinBatches: 30})
	if got.Status != StabilityUnstable {
		t.Errorf("ComputeStability(empty 2025Q4, missed 2026Q2) status = %q, want unstable", got.Status)
	}
}

// TestStabilityFirstYear: a new deployment has a few weeks of results,
// all in the current quarter, with a 365d rate of 97.7%. The old rule
// called the key tier not stable (every quarter empty); now it is
// insufficient, and a quarter is judged only from min_batches batches.
func TestStabilityFirstYear(t *testing.T) {
	rollups := []Rollup{roll(day(2026, 11, 10), TierKey, "auto", "car-seats", "gusu", 300, 7)}
	rule := StabilityRule{Periods: 4, Period: PeriodQuarter, MinBatches: 30}
	got := ComputeStability(rollups, keyTier, rule, today, RateOptions{MinBatches: 30})
	if got.Stable || got.Status != StabilityInsufficient {
		t.Errorf("ComputeStability(first year) = %+v, want insufficient", got)
	}
	for _, p := range got.Periods {
		if p.Status != PeriodInsufficient || p.Batches != 0 {
			t.Errorf("period %s = %+v, want insufficient with no batches", p.Period, p)
		}
	}
	// 29 batches in a quarter, all failed: still not judged.
	rollups = append(rollups, roll(day(2026, 8, 10), TierKey, "auto", "car-seats", "gusu", 29, 29))
	if got := ComputeStability(rollups, keyTier, rule, today, RateOptions{}); got.Status != StabilityInsufficient {
		t.Errorf("ComputeStability(29 batches failed in 2026Q3) = %q, want insufficient", got.Status)
	}
}

func TestStabilityMonths(t *testing.T) {
	rule := StabilityRule{Periods: 2, Period: PeriodMonth}
	if got := rule.Start(today); got != day(2026, 9, 1) {
		t.Errorf("Start(%s) = %s, want 2026-09-01", today, got)
	}
	rollups := []Rollup{
		roll(day(2026, 9, 30), TierKey, "auto", "car-seats", "gusu", 50, 0),
		roll(day(2026, 10, 1), TierKey, "auto", "car-seats", "gusu", 50, 1),
		// The current month does not count.
		roll(day(2026, 11, 1), TierKey, "auto", "car-seats", "gusu", 50, 40),
	}
	got := ComputeStability(rollups, keyTier, rule, today, RateOptions{})
	if len(got.Periods) != 2 || got.Periods[0].Period != "2026-09" || got.Periods[1].Period != "2026-10" ||
		got.Periods[0].Batches != 50 || got.Periods[1].Failed != 1 || !got.Stable {
		t.Errorf("ComputeStability(2 months) = %+v", got)
	}
	// January looks back into the previous year.
	q := fourQuarters.Start(day(2027, 1, 15))
	if q != day(2026, 1, 1) {
		t.Errorf("four quarters before 2027-01-15 start %s, want 2026-01-01", q)
	}
}

func TestComputeRatesProvisionalAndWeighted(t *testing.T) {
	rollups := []Rollup{
		// 10 batches drawn with probability 0.5 (weight 2), 1 failed.
		{Day: daysAgo(1), Tier: TierGeneral, Industry: "textiles", Category: "garments", County: "gusu",
			Final: true, Tested: 10, Failed: 1, WTested: 20, WFailed: 2},
		// 30 provisional batches drawn with probability 0.1 (weight 10), 6 failed.
		{Day: daysAgo(2), Tier: TierGeneral, Industry: "textiles", Category: "garments", County: "gusu",
			Tested: 30, Failed: 6, WTested: 300, WFailed: 60},
	}
	got := ComputeRates(rollups, defaultTiers, w30, today, RateOptions{})
	want := exactRow("30d", TierGeneral, 0.92, 33, 40, StatusMissed)
	want.Provisional = 30
	// Hájek: 1 − (2+60)/(20+300).
	want.WeightedRate = ptr(1 - 62.0/320)
	checkRows(t, got, []RateRow{want})

	got = ComputeRates(rollups, defaultTiers, w30, today, RateOptions{FinalOnly: true})
	want = exactRow("30d", TierGeneral, 0.92, 9, 10, StatusAtRisk)
	want.WeightedRate = ptr(0.9)
	checkRows(t, got, []RateRow{want})

	// For a category mean, each category's Hájek rate counts once.
	agri := []Rollup{
		{Day: daysAgo(1), Tier: TierAgriInput, Industry: "agri", Category: "pesticides", County: "gusu", Final: true, Tested: 4, Failed: 1, WTested: 4, WFailed: 1},
		{Day: daysAgo(1), Tier: TierAgriInput, Industry: "agri", Category: "fertilizers", County: "gusu", Final: true, Tested: 2, Failed: 0, WTested: 8, WFailed: 0},
	}
	got = ComputeRates(agri, defaultTiers, w30, today, RateOptions{})
	if len(got) != 1 || got[0].WeightedRate == nil || math.Abs(*got[0].WeightedRate-(0.75+1)/2) > 1e-12 {
		t.Errorf("ComputeRates(agri).WeightedRate = %v, want 0.875", got)
	}
	// Without inclusion probabilities there is no weighted estimate.
	got = ComputeRates([]Rollup{roll(daysAgo(1), TierGeneral, "textiles", "garments", "gusu", 10, 0)}, defaultTiers, w30, today, RateOptions{})
	if len(got) != 1 || got[0].WeightedRate != nil {
		t.Errorf("ComputeRates(unweighted).WeightedRate = %v, want nil", got[0].WeightedRate)
	}
}

func TestRateHistory(t *testing.T) {
	rollups := []Rollup{
		roll(daysAgo(10), TierGeneral, "textiles", "garments", "gusu", 10, 1),
		roll(daysAgo(3), TierGeneral, "textiles", "garments", "gusu", 10, 0),
	}
	tier := TierRule{Name: TierGeneral, Target: 0.92, Aggregate: AggregatePooled}
	ends := []Day{daysAgo(12), daysAgo(9), daysAgo(2), today}
	got := RateHistory(rollups, tier, Window{Name: "10d", Days: 10}, ends, RateOptions{})
	// 12 days ago: nothing yet; 9 days ago: 9/10; 2 days ago: both; today:
	// the first has left the 10-day window.
	want := []struct {
		date            Day
		passed, batches int
	}{{daysAgo(9), 9, 10}, {daysAgo(2), 19, 20}, {today, 10, 10}}
	if len(got) != len(want) {
		t.Fatalf("RateHistory() = %d points %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].Date != w.date || got[i].Batches != w.batches || got[i].Passed != w.passed || got[i].Window != "10d" {
			t.Errorf("RateHistory()[%d] = %s %d/%d, want %s %d/%d", i, got[i].Date, got[i].Passed, got[i].Batches, w.date, w.passed, w.batches)
		}
	}
}
