package sampling

import (
	"fmt"
	"time"
)

// Stability period lengths.
const (
	PeriodQuarter = "quarter"
	PeriodMonth   = "month"
)

// PeriodInsufficient is the status of a stability period with fewer tested
// batches than the rule's minimum: it is not judged.
const PeriodInsufficient = "insufficient"

// Stability states of a tier, and the state of a period too small to judge.
const (
	// StabilityStable: every period was judged and none missed the target.
	StabilityStable = "stable"
	// StabilityUnstable: a judged period missed the target (its upper
	// bound is below it).
	StabilityUnstable = "unstable"
	// StabilityInsufficient: no judged period missed the target, but at
	// least one period held fewer tested batches than the rule's minimum.
	StabilityInsufficient = "insufficient"
)

// StabilityStatuses are the stability states, in the order they are shown.
func StabilityStatuses() []string {
	return []string{StabilityStable, StabilityUnstable, StabilityInsufficient}
}

// StabilityRule asks that a tier meet its target in each of the last
// Periods complete calendar periods, not only on average. A period with
// fewer than MinBatches tested batches is not judged.
type StabilityRule struct {
	Periods    int    // how many complete periods; 0 disables the check
	Period     string // PeriodQuarter or PeriodMonth
	MinBatches int    // tested batches a period needs to be judged
}

// PeriodRate is a tier's rate over one calendar period.
type PeriodRate struct {
	Period       string  `json:"period"` // 2026Q3 or 2026-07
	From         Day     `json:"from"`   // first day
	To           Day     `json:"to"`     // last day
	Batches      int     `json:"batches"`
	Failed       int     `json:"failed"`
	Rate         float64 `json:"rate"`
	Lower        float64 `json:"lower"`
	Upper        float64 `json:"upper"`
	PBelowTarget float64 `json:"p_below_target"`
	// Status is met, at_risk or missed as for a window, or insufficient
	// when the period holds fewer batches than the rule's minimum.
	Status string `json:"status"`
}

// StabilityRow reports whether a tier met its target in every recent
// period: Status is StabilityStable, StabilityUnstable or
// StabilityInsufficient, and Stable is Status == StabilityStable.
type StabilityRow struct {
	Tier       string       `json:"tier"`
	Target     float64      `json:"target"`
	Rule       string       `json:"rule"` // "each of the last 4 quarters"
	MinBatches int          `json:"min_batches"`
	Stable     bool         `json:"stable"`
	Status     string       `json:"status"`
	Periods    []PeriodRate `json:"periods"`
}

// periodStart returns the first day of the period that contains day.
func periodStart(day Day, period string) Day {
	y, m, _ := day.Date()
	if period == PeriodQuarter {
		m = (m-1)/3*3 + 1
	}
	return NewDay(y, m, 1)
}

// addMonths returns the first day of the month n months after that of
// first, the first day of a month.
func addMonths(first Day, n int) Day {
	y, m, _ := first.Date()
	return NewDay(y, m+time.Month(n), 1)
}

func periodMonths(period string) int {
	if period == PeriodQuarter {
		return 3
	}
	return 1
}

// Start returns the first day of the oldest period the rule looks at when
// today is the current date.
func (r StabilityRule) Start(today Day) Day {
	return addMonths(periodStart(today, r.Period), -r.Periods*periodMonths(r.Period))
}

func (r StabilityRule) String() string {
	return fmt.Sprintf("each of the last %d %ss", r.Periods, r.Period)
}

// ComputeStability rates the tier over each of the rule's complete periods
// before the one containing today, oldest first, by the tier's aggregation
// rule, and judges each period that holds at least rule.MinBatches tested
// batches like a window; the others are insufficient.
func ComputeStability(rollups []Rollup, tier TierRule, rule StabilityRule, today Day, opts RateOptions) StabilityRow {
	row := StabilityRow{Tier: tier.Name, Target: tier.Target, Rule: rule.String(), MinBatches: rule.MinBatches}
	missed, insufficient := false, false
	opts.By, opts.MinBatches = ByTier, rule.MinBatches
	from := rule.Start(today)
	rollups = tierDays(rollups, tier.Name, from, periodStart(today, rule.Period), opts.FinalOnly)
	for range rule.Periods {
		next := addMonths(from, periodMonths(rule.Period))
		last := next.AddDays(-1)
		p := PeriodRate{Period: periodName(from, rule.Period), From: from, To: last,
			Status: PeriodInsufficient, PBelowTarget: JeffreysBelow(0, 0, tier.Target), Upper: 1}
		w := Window{Name: p.Period, Days: last.Sub(from) + 1}
		if rates := ComputeRates(rollups, []TierRule{tier}, []Window{w}, last, opts); len(rates) == 1 {
			r := rates[0]
			p.Batches, p.Failed, p.Rate, p.Lower, p.Upper, p.PBelowTarget, p.Status = r.Batches, r.Failed, r.Rate, r.Lower, r.Upper, r.PBelowTarget, r.Status
		}
		if p.Batches < max(rule.MinBatches, 1) {
			p.Status = PeriodInsufficient
		}
		missed = missed || p.Status == StatusMissed
		insufficient = insufficient || p.Status == PeriodInsufficient
		row.Periods = append(row.Periods, p)
		from = next
	}
	switch {
	case missed:
		row.Status = StabilityUnstable
	case insufficient || rule.Periods == 0:
		row.Status = StabilityInsufficient
	default:
		row.Status = StabilityStable
	}
	row.Stable = row.Status == StabilityStable
	return row
}

// tierDays sums the tier's rollups from from to before until per day and
// category, dropping county and finality, which a tier's periods do not
// need: the periods then scan a few thousand rows, not the snapshot.
func tierDays(rollups []Rollup, tier string, from, until Day, finalOnly bool) []Rollup {
	type key struct {
		day                Day
		industry, category string
	}
	sums := map[key]*Rollup{}
	var out []*Rollup
	for _, r := range rollups {
		if r.Tier != tier || r.Day.Before(from) || !r.Day.Before(until) || (finalOnly && !r.Final) {
			continue
		}
		k := key{r.Day, r.Industry, r.Category}
		s := sums[k]
		if s == nil {
			s = &Rollup{Day: r.Day, Tier: tier, Industry: r.Industry, Category: r.Category, Final: true}
			sums[k] = s
			out = append(out, s)
		}
		s.Tested += r.Tested
		s.Failed += r.Failed
		s.WTested += r.WTested
		s.WFailed += r.WFailed
	}
	flat := make([]Rollup, len(out))
	for i, s := range out {
		flat[i] = *s
	}
	return flat
}

func periodName(start Day, period string) string {
	y, m, _ := start.Date()
	if period == PeriodQuarter {
		return fmt.Sprintf("%dQ%d", y, (int(m)-1)/3+1)
	}
	return fmt.Sprintf("%04d-%02d", y, int(m))
}

// HistoryPoint is a tier's rate in a window ending on Date.
type HistoryPoint struct {
	Date Day `json:"date"`
	RateRow
}

// RateHistory computes the tier's headline rate in window as it stood at
// the end of each day in ends, oldest first. Days whose window holds no
// batches are left out.
func RateHistory(rollups []Rollup, tier TierRule, window Window, ends []Day, opts RateOptions) []HistoryPoint {
	opts.By = ByTier
	var points []HistoryPoint
	for _, end := range ends {
		if rows := ComputeRates(rollups, []TierRule{tier}, []Window{window}, end, opts); len(rows) == 1 {
			points = append(points, HistoryPoint{Date: end, RateRow: rows[0]})
		}
	}
	return points
}
