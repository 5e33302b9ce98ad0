package sampling

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// Aggregation rules for a tier's headline rate.
const (
	// AggregatePooled divides all passed batches by all tested batches.
	AggregatePooled = "pooled"
	// AggregateCategoryMean averages the categories' own rates, each
	// category counting once.
	AggregateCategoryMean = "category_mean"
)

// Rate statuses.
const (
	StatusMet    = "met"
	StatusAtRisk = "at_risk"
	StatusMissed = "missed"
)

// Groupings of rate rows.
const (
	ByTier     = "tier"
	ByIndustry = "industry"
	ByCategory = "category"
	ByCounty   = "county"
)

// TierRule is a tier's target and how its headline rate is formed.
type TierRule struct {
	Name      string
	Target    float64
	Aggregate string
}

// Window is a rolling period of pass rates: the last Days days including
// today, or the calendar year to date when YTD is set.
type Window struct {
	Name string
	Days int
	YTD  bool
}

// Start returns the first day inside the window that ends on today.
func (w Window) Start(today time.Time) time.Time {
	if w.YTD {
		return time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return today.AddDate(0, 0, 1-w.Days)
}

// RateRow is the pass rate of one window and tier, optionally narrowed to
// one industry, category or county.
type RateRow struct {
	Window       string  `json:"window"`
	Tier         string  `json:"tier"`
	Industry     string  `json:"industry,omitempty"`
	Category     string  `json:"category,omitempty"`
	County       string  `json:"county,omitempty"`
	Batches      int     `json:"batches"`
	Failed       int     `json:"failed"`
	Passed       int     `json:"passed"`
	Rate         float64 `json:"rate"`
	Lower        float64 `json:"lower"`
	Upper        float64 `json:"upper"`
	Target       float64 `json:"target"`
	Status       string  `json:"status"`
	PBelowTarget float64 `json:"p_below_target"`
}

// RateOptions tune ComputeRates.
type RateOptions struct {
	// By groups rows further than the tier: ByIndustry, ByCategory or
	// ByCounty. Empty or ByTier gives the tier headlines.
	By string
	// MinBatches is the sample size below which a rate is never "met".
	MinBatches int
}

// ComputeRates forms pass rates from daily rollups for each window ending on
// today (a date in the service's time zone, at midnight UTC) and each tier
// with data, following each tier's aggregation rule. Rows come sorted by
// window order, tier order, then group.
func ComputeRates(rollups []Rollup, tiers []TierRule, windows []Window, today time.Time, opts RateOptions) []RateRow {
	type groupKey struct{ tier, group string }
	type counts struct{ tested, failed int }
	var rows []RateRow
	for _, w := range windows {
		start := w.Start(today)
		// per (tier, group) → per category → counts
		cells := map[groupKey]map[string]*counts{}
		for _, r := range rollups {
			if r.Day.Before(start) || r.Day.After(today) {
				continue
			}
			k := groupKey{r.Tier, groupOf(r, opts.By)}
			if cells[k] == nil {
				cells[k] = map[string]*counts{}
			}
			c := cells[k][r.Industry+"/"+r.Category]
			if c == nil {
				c = &counts{}
				cells[k][r.Industry+"/"+r.Category] = c
			}
			c.tested += r.Tested
			c.failed += r.Failed
		}
		for _, tier := range tiers {
			var keys []groupKey
			for k := range cells {
				if k.tier == tier.Name {
					keys = append(keys, k)
				}
			}
			slices.SortFunc(keys, func(a, b groupKey) int { return cmp.Compare(a.group, b.group) })
			for _, k := range keys {
				row := RateRow{Window: w.Name, Tier: tier.Name, Target: tier.Target}
				setGroup(&row, opts.By, k.group)
				var passed, tested []int
				sum := 0.0
				// Sum in category order: float addition is not associative,
				// and map order would let the mean, and so the status at a
				// target, change from one call to the next.
				for _, cat := range slices.Sorted(maps.Keys(cells[k])) {
					c := cells[k][cat]
					row.Batches += c.tested
					row.Failed += c.failed
					if c.tested > 0 {
						passed = append(passed, c.tested-c.failed)
						tested = append(tested, c.tested)
						sum += float64(c.tested-c.failed) / float64(c.tested)
					}
				}
				if row.Batches == 0 {
					continue
				}
				row.Passed = row.Batches - row.Failed
				if tier.Aggregate == AggregateCategoryMean {
					row.Rate = sum / float64(len(tested))
					row.Lower, row.Upper = categoryMeanBounds(row.Rate, passed, tested)
				} else {
					row.Rate = float64(row.Passed) / float64(row.Batches)
					row.Lower, row.Upper = Wilson(row.Passed, row.Batches)
				}
				row.Status = status(row, opts.MinBatches)
				rows = append(rows, row)
			}
		}
	}
	return rows
}

func status(r RateRow, minBatches int) string {
	switch {
	case r.Upper < r.Target:
		return StatusMissed
	case r.Rate >= r.Target && r.Batches >= minBatches:
		return StatusMet
	default:
		return StatusAtRisk
	}
}

func groupOf(r Rollup, by string) string {
	switch by {
	case ByIndustry:
		return r.Industry
	case ByCategory:
		return r.Industry + "/" + r.Category
	case ByCounty:
		return r.County
	}
	return ""
}

func setGroup(row *RateRow, by, group string) {
	switch by {
	case ByIndustry:
		row.Industry = group
	case ByCategory:
		row.Industry, row.Category, _ = strings.Cut(group, "/")
	case ByCounty:
		row.County = group
	}
}
