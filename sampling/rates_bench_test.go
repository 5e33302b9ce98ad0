package sampling

import (
	"fmt"
	"testing"
)

// BenchmarkComputeAllRates computes every window × grouping and the key
// tier's stability from a dense snapshot: 40 categories × 12 counties with
// results on every one of 456 days (the span of four quarters and the
// current one), provisional and final apart — 437,760 rollup rows, more
// than any realistic volume of results fills.
func BenchmarkComputeAllRates(b *testing.B) {
	var rollups []Rollup
	for d := range 456 {
		day := daysAgo(d)
		for cat := range 40 {
			tier := []string{TierGeneral, TierKey, TierAgriInput}[cat%3]
			for county := range 12 {
				for _, final := range []bool{false, true} {
					rollups = append(rollups, Rollup{Day: day, Tier: tier, Industry: fmt.Sprint("industry-", cat%6),
						Category: fmt.Sprint("category-", cat), County: fmt.Sprint("county-", county), Final: final,
						Tested: 3, Failed: d % 2, WTested: 30, WFailed: float64(d%2) * 10})
				}
			}
		}
	}
	windows := []Window{{Name: "30d", Days: 30}, {Name: "90d", Days: 90}, {Name: "365d", Days: 365}, {Name: "ytd", YTD: true}}
	stability := StabilityRule{Periods: 4, Period: PeriodQuarter}
	b.ReportMetric(float64(len(rollups)), "rollups")
	for b.Loop() {
		ComputeRatesBy(rollups, defaultTiers, windows, today, RateOptions{MinBatches: 30}, ByTier, ByIndustry, ByCategory, ByCounty)
		ComputeStability(rollups, defaultTiers[1], stability, today, RateOptions{MinBatches: 30})
	}
}
