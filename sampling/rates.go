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
	// ByIndustryCounty groups by industry and county together: the rows
	// behind filtering an industry's rates to one county, or a county's to
	// one industry.
	ByIndustryCounty = "industry_county"
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
func (w Window) Start(today Day) Day {
	if w.YTD {
		y, _, _ := today.Date()
		return NewDay(y, time.January, 1)
	}
	return today.AddDays(1 - w.Days)
}

// RateRow is the pass rate of one window and tier, optionally narrowed to
// one industry, category or county.
type RateRow struct {
	Window   string  `json:"window"`
	Tier     string  `json:"tier"`
	Industry string  `json:"industry,omitempty"`
	Category string  `json:"category,omitempty"`
	County   string  `json:"county,omitempty"`
	Batches  int     `json:"batches"`
	Failed   int     `json:"failed"`
	Passed   int     `json:"passed"`
	Rate     float64 `json:"rate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
	Target   float64 `json:"target"`
	Status   string  `json:"status"`
	// Provisional counts the batches whose results may still change on
	// objection: their objection period is open or their retest pending.
	Provisional int `json:"provisional"`
	// PBelowTarget is the posterior probability that the true rate is
	// below the target (Jeffreys prior; see docs/rates.md).
	PBelowTarget float64 `json:"p_below_target"`
	// Excluded lists the categories (industry/category) of a category-mean
	// row that had fewer tested batches than the minimum
	// (RateOptions.MinCategoryBatches): they count in Batches and Failed
	// but not in Rate, its bounds or its status.
	Excluded []string `json:"excluded_categories,omitempty"`
	// WeightedRate is the Hájek estimate of the population pass rate,
	// weighting each batch by 1/inclusion probability; nil when no batch
	// carries an inclusion probability. Targets are judged on Rate.
	WeightedRate *float64 `json:"weighted_rate,omitempty"`
}

// RateOptions tune ComputeRates.
type RateOptions struct {
	// By groups rows further than the tier: ByIndustry, ByCategory or
	// ByCounty. Empty or ByTier gives the tier headlines.
	By string
	// MinBatches is the sample size below which a rate is never "met".
	MinBatches int
	// MinCategoryBatches is the sample size below which a category is left
	// out of a category mean (and listed in RateRow.Excluded).
	MinCategoryBatches int
	// FinalOnly leaves out provisional results.
	FinalOnly bool
	// Industry and County, when set, count only the batches of that
	// industry id and of that county.
	Industry, County string
}

// Filtered reports whether the options narrow the batches to an industry
// or a county.
func (o RateOptions) Filtered() bool { return o.Industry != "" || o.County != "" }

// ComputeRates forms pass rates from daily rollups for each window ending on
// today (a day in the service's time zone) and each tier
// with data, following each tier's aggregation rule. Rows come sorted by
// window order, tier order, then group.
func ComputeRates(rollups []Rollup, tiers []TierRule, windows []Window, today Day, opts RateOptions) []RateRow {
	return sumCells(rollups, windows, today, opts).rates(tiers, windows, opts)
}

// ComputeRatesBy is ComputeRates for several groupings at once, keyed by
// grouping; the rollups are read once.
func ComputeRatesBy(rollups []Rollup, tiers []TierRule, windows []Window, today Day, opts RateOptions, bys ...string) map[string][]RateRow {
	cells := sumCells(rollups, windows, today, opts)
	out := make(map[string][]RateRow, len(bys))
	for _, by := range bys {
		o := opts
		o.By = by
		out[by] = cells.rates(tiers, windows, o)
	}
	return out
}

type cellKey struct{ tier, industry, category, county string }

type counts struct {
	tested, failed, provisional int
	wTested, wFailed            float64
}

// cellSums holds, per cell, the counts of each window.
type cellSums map[cellKey][]counts

// sumCells sums each cell for every window in one pass over the rollups
// that opts admits; the cells, far fewer than the rollups, are then grouped
// per window.
func sumCells(rollups []Rollup, windows []Window, today Day, opts RateOptions) cellSums {
	starts := make([]Day, len(windows))
	earliest := today
	for i, w := range windows {
		starts[i] = w.Start(today)
		if starts[i].Before(earliest) {
			earliest = starts[i]
		}
	}
	cells := cellSums{}
	for _, r := range rollups {
		if r.Day.Before(earliest) || r.Day.After(today) || (opts.FinalOnly && !r.Final) ||
			(opts.Industry != "" && r.Industry != opts.Industry) || (opts.County != "" && r.County != opts.County) {
			continue
		}
		k := cellKey{r.Tier, r.Industry, r.Category, r.County}
		c := cells[k]
		if c == nil {
			c = make([]counts, len(windows))
			cells[k] = c
		}
		for i := range windows {
			if r.Day.Before(starts[i]) {
				continue
			}
			c[i].tested += r.Tested
			c[i].failed += r.Failed
			if !r.Final {
				c[i].provisional += r.Tested
			}
			c[i].wTested += r.WTested
			c[i].wFailed += r.WFailed
		}
	}
	return cells
}

// rates forms the rate rows of every window from the cell sums.
func (cells cellSums) rates(tiers []TierRule, windows []Window, opts RateOptions) []RateRow {
	type groupKey struct{ tier, group string }
	var rows []RateRow
	for wi, w := range windows {
		// per (tier, group) → per category → counts
		groups := map[groupKey]map[string]*counts{}
		for k, c := range cells {
			if c[wi].tested == 0 {
				continue
			}
			g := groupKey{k.tier, groupOf(Rollup{Industry: k.industry, Category: k.category, County: k.county}, opts.By)}
			if groups[g] == nil {
				groups[g] = map[string]*counts{}
			}
			cat := k.industry + "/" + k.category
			sum := groups[g][cat]
			if sum == nil {
				sum = &counts{}
				groups[g][cat] = sum
			}
			sum.tested += c[wi].tested
			sum.failed += c[wi].failed
			sum.provisional += c[wi].provisional
			sum.wTested += c[wi].wTested
			sum.wFailed += c[wi].wFailed
		}
		for _, tier := range tiers {
			var keys []groupKey
			for k := range groups {
				if k.tier == tier.Name {
					keys = append(keys, k)
				}
			}
			slices.SortFunc(keys, func(a, b groupKey) int { return cmp.Compare(a.group, b.group) })
			for _, k := range keys {
				row := RateRow{Window: w.Name, Tier: tier.Name, Target: tier.Target}
				setGroup(&row, opts.By, k.group)
				judged := 0 // batches behind the rate: of the categories in the mean
				var passed, tested []int
				var excluded []string
				sum, wSum, wTested, wFailed, wCats := 0.0, 0.0, 0.0, 0.0, 0
				// Categories in a fixed order, so that float sums do not
				// depend on map order.
				cats := slices.Sorted(maps.Keys(groups[k]))
				for _, cat := range cats {
					c := groups[k][cat]
					row.Batches += c.tested
					row.Failed += c.failed
					row.Provisional += c.provisional
					wTested += c.wTested
					wFailed += c.wFailed
					if c.tested < opts.MinCategoryBatches && tier.Aggregate == AggregateCategoryMean {
						excluded = append(excluded, cat)
						continue
					}
					if c.tested > 0 {
						judged += c.tested
						passed = append(passed, c.tested-c.failed)
						tested = append(tested, c.tested)
						sum += float64(c.tested-c.failed) / float64(c.tested)
					}
					if c.wTested > 0 {
						wSum += 1 - c.wFailed/c.wTested
						wCats++
					}
				}
				if row.Batches == 0 {
					continue
				}
				row.Passed = row.Batches - row.Failed
				switch {
				case tier.Aggregate == AggregateCategoryMean && len(tested) == 0:
					// No category has enough batches: the plain mean is
					// shown, but nothing is judged.
					row.Excluded = excluded
					for _, cat := range cats {
						c := groups[k][cat]
						passed = append(passed, c.tested-c.failed)
						tested = append(tested, c.tested)
						sum += float64(c.tested-c.failed) / float64(c.tested)
					}
					row.Rate = sum / float64(len(tested))
					row.Lower, row.Upper = 0, 1
					row.PBelowTarget = categoryMeanBelow(passed, tested, tier.Target)
				case tier.Aggregate == AggregateCategoryMean:
					row.Excluded = excluded
					row.Rate = sum / float64(len(tested))
					row.Lower, row.Upper = categoryMeanBounds(row.Rate, passed, tested)
					row.PBelowTarget = categoryMeanBelow(passed, tested, tier.Target)
					if wCats > 0 {
						row.WeightedRate = ptr(wSum / float64(wCats))
					}
				default:
					row.Rate = float64(row.Passed) / float64(row.Batches)
					row.Lower, row.Upper = ClopperPearson(row.Passed, row.Batches)
					row.PBelowTarget = JeffreysBelow(row.Passed, row.Batches, tier.Target)
					if wTested > 0 {
						row.WeightedRate = ptr(1 - wFailed/wTested)
					}
				}
				row.Status = status(row.Rate, row.Upper, row.Target, judged, opts.MinBatches)
				rows = append(rows, row)
			}
		}
	}
	return rows
}

func ptr(v float64) *float64 { return &v }

// status judges a rate: missed when even its upper bound is below target,
// met when the rate reaches the target on at least minBatches judged
// batches, at risk otherwise.
func status(rate, upper, target float64, judged, minBatches int) string {
	switch {
	case upper < target:
		return StatusMissed
	case rate >= target && judged >= minBatches && judged > 0:
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
	case ByIndustryCounty:
		return r.Industry + "/" + r.County
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
	case ByIndustryCounty:
		row.Industry, row.County, _ = strings.Cut(group, "/")
	}
}
