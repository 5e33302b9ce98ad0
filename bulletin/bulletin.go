// Package bulletin makes the periodic quality bulletin (质量通报) of a year,
// quarter or month: the pass rates of each tier against its target, the
// trend, where batches failed, how much of the plan was carried out and
// which products were found non-conforming. Its figures come from the same
// rollups and rate functions as `rates`; it renders them as HTML with
// server-side SVG charts, as JSON, or as PDF through headless Chromium.
package bulletin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// TrendMonths is how many months the trend shows.
const TrendMonths = 12

// Source is what a bulletin reads; *storage.Store has it.
type Source interface {
	Rollups(ctx context.Context, since sampling.Day) ([]sampling.Rollup, error)
	FailedBatches(ctx context.Context, from, to sampling.Day) ([]storage.FailedBatch, error)
	PlanTaskCounts(ctx context.Context, since time.Time, loc *time.Location) ([]sampling.PlanTaskCount, error)
	ClosedPlanIDs(ctx context.Context, from, until time.Time) ([]int64, error)
}

// ErrNotBegun is returned by Build for a period that has not begun.
var ErrNotBegun = errors.New("the period has not begun")

// Request says which bulletin to make.
type Request struct {
	Period Period
	// Now is the time the bulletin is made; a period not over by then is
	// provisional.
	Now time.Time
	// Public leaves out what the disclosure may not show: failures of
	// plans still open and the execution of open plans.
	Public bool
}

// Bulletin is the content of one bulletin, in no language: Render words it.
type Bulletin struct {
	Period string       `json:"period"`
	Kind   string       `json:"kind"`
	From   sampling.Day `json:"from"` // first day of the period
	// To is the last day the figures cover: the period's last day, or the
	// as-of date of a provisional bulletin.
	To          sampling.Day `json:"to"`
	PeriodEnd   sampling.Day `json:"period_end"` // the period's last day
	AsOf        time.Time    `json:"as_of"`
	Provisional bool         `json:"provisional"`
	Public      bool         `json:"public"`
	Timezone    string       `json:"timezone"`
	Previous    string       `json:"previous"` // the period compared with
	// PreviousBatches counts the previous period's batches of every tier.
	PreviousBatches int `json:"previous_batches"`
	MinBatches      int `json:"min_batches"`

	Tiers      []TierHeadline          `json:"tiers"`
	Stability  []sampling.StabilityRow `json:"stability"`
	Trend      []TrendSeries           `json:"trend"`
	Industries []GroupRow              `json:"industries"`
	Counties   []GroupRow              `json:"counties"`
	Execution  []Execution             `json:"execution"`
	// Failures names every failed batch whose result is final (and, in
	// the public version, whose plan is closed), in the order counted.
	Failures []Failure `json:"failures"`
	// Unnamed counts the failed batches counted in the rates but not
	// named, and why.
	Unnamed Unnamed  `json:"failures_unnamed"`
	Changes []Change `json:"changes"`
	// Disclosures are the plans closed in the period, whose disclosures
	// are published (the JSON key is "records", as it always was).
	Disclosures []int64 `json:"records"`
}

// TierHeadline is one tier's pass rate for the period and the year to
// date, each the row `rates` gives for that window (nil without batches).
type TierHeadline struct {
	Tier   string            `json:"tier"`
	Target float64           `json:"target"`
	Period *sampling.RateRow `json:"period"`
	YTD    *sampling.RateRow `json:"ytd"`
}

// TrendSeries is a tier's rate in each month of the trend.
type TrendSeries struct {
	Tier   string       `json:"tier"`
	Target float64      `json:"target"`
	Points []TrendPoint `json:"points"`
}

// TrendPoint is one month of a trend; Rate is nil when the month has no
// batches.
type TrendPoint struct {
	Month string            `json:"month"` // 2026-11
	Rate  *sampling.RateRow `json:"rate"`
}

// GroupRow is a tier's rate in one industry or county over the period, the
// row `rates --by industry|county` gives; Name is the industry's
// configured name or the county.
type GroupRow struct {
	sampling.RateRow
	Name string `json:"name"`
}

// Execution is how much of one schedule's plans for the period was carried
// out, the row `execution` gives for a window of the period's days: tasks
// planned, tested, refused by the enterprise, lapsed (the plan closed
// without a result) and open.
type Execution struct {
	sampling.ExecutionRow
	Industry     string `json:"industry"`
	IndustryName string `json:"industry_name"`
}

// Failure is one non-conforming product.
type Failure struct {
	Enterprise   string       `json:"enterprise"`
	CreditCode   string       `json:"credit_code"`
	Industry     string       `json:"industry"`
	Category     string       `json:"category"`
	CategoryName string       `json:"category_name"`
	Tier         string       `json:"tier"`
	County       string       `json:"county"`
	FailedItems  string       `json:"failed_items"`
	ReportNo     string       `json:"report_no"`
	TestedOn     sampling.Day `json:"tested_on"`
	PlanID       int64        `json:"plan_id"`
}

// Unnamed counts failed batches that a bulletin counts but does not name.
type Unnamed struct {
	// Provisional results may still change on objection or retest.
	Provisional int `json:"provisional"`
	// OpenPlan results are final, but their plan is still open and so not
	// yet public (public version only).
	OpenPlan int `json:"open_plan"`
}

// Change kinds.
const (
	ChangeTierUp     = "tier_reached_target"
	ChangeTierDown   = "tier_fell_below_target"
	ChangeCountyUp   = "county_reached_target"
	ChangeCountyDown = "county_fell_below_target"
	ChangeFall       = "largest_fall"
)

// Change is one thing that changed since the previous period and is worth
// a reader's attention.
type Change struct {
	Kind   string  `json:"kind"`
	Tier   string  `json:"tier"`
	County string  `json:"county,omitempty"`
	Name   string  `json:"name,omitempty"` // the industry or county, for a fall
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	Target float64 `json:"target"`
}

// Build makes the bulletin of req.Period from src, as it stands at req.Now.
func Build(ctx context.Context, src Source, cfg *config.Config, req Request) (*Bulletin, error) {
	now := req.Now.In(cfg.Location)
	today := sampling.Today(now, cfg.Location)
	p := req.Period
	if today.Before(p.From) {
		return nil, fmt.Errorf("bulletin %s: %w (today is %s in %s)", p.Name, ErrNotBegun, today, cfg.Location)
	}
	end := p.End(today)
	prev := p.Previous()
	b := &Bulletin{
		Period: p.Name, Kind: p.Kind, From: p.From, To: end, PeriodEnd: p.To,
		AsOf: now, Provisional: !today.After(p.To), Public: req.Public, Timezone: cfg.Location.String(),
		Previous: prev.Name, MinBatches: cfg.MinBatches,
	}
	trend := months(end, TrendMonths)
	stable := cfg.StabilityRules()
	// Stability as `rates` shows it on the first day after the period, or
	// today while it runs: over the complete periods before that day.
	stableOn := earliest(today, p.To.AddDays(1))
	endYear, _, _ := end.Date()
	since := earliest(trend[0], prev.From, sampling.NewDay(endYear, time.January, 1))
	for _, rule := range stable {
		since = earliest(since, rule.Start(stableOn))
	}
	rollups, err := src.Rollups(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", p.Name, err)
	}
	tiers := cfg.TierRules()
	opts := sampling.RateOptions{MinBatches: cfg.MinBatches}
	ytd := sampling.Window{Name: "ytd", YTD: true}
	now1 := sampling.ComputeRatesBy(rollups, tiers, []sampling.Window{p.Window(end), ytd}, end, opts,
		sampling.ByTier, sampling.ByIndustry, sampling.ByCounty)
	for _, t := range tiers {
		b.Tiers = append(b.Tiers, TierHeadline{Tier: t.Name, Target: t.Target,
			Period: find(now1[sampling.ByTier], p.Name, t.Name, ""), YTD: find(now1[sampling.ByTier], ytd.Name, t.Name, "")})
		if rule, ok := stable[t.Name]; ok {
			b.Stability = append(b.Stability, sampling.ComputeStability(rollups, t, rule, stableOn, opts))
		}
		series := TrendSeries{Tier: t.Name, Target: t.Target}
		for _, first := range trend {
			mo := monthOf(first)
			moEnd := mo.End(end)
			rows := sampling.ComputeRates(rollups, []sampling.TierRule{t}, []sampling.Window{mo.Window(moEnd)}, moEnd, opts)
			series.Points = append(series.Points, TrendPoint{Month: mo.Name, Rate: find(rows, mo.Name, t.Name, "")})
		}
		b.Trend = append(b.Trend, series)
	}
	b.Industries = groups(now1[sampling.ByIndustry], p.Name, func(r sampling.RateRow) string { return industryName(cfg, r.Industry) })
	b.Counties = groups(now1[sampling.ByCounty], p.Name, func(r sampling.RateRow) string { return r.County })

	prevEnd := prev.To
	before := sampling.ComputeRatesBy(rollups, tiers, []sampling.Window{prev.Window(prevEnd)}, prevEnd, opts, sampling.ByTier, sampling.ByIndustry, sampling.ByCounty)
	b.Changes = changes(before, now1, prev.Name, p.Name, cfg)
	for _, r := range before[sampling.ByTier] {
		b.PreviousBatches += r.Batches
	}

	from, until := p.Bounds(cfg.Location)
	if err := b.addExecution(ctx, src, cfg, p); err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", p.Name, err)
	}
	if err := b.addFailures(ctx, src, cfg, p.From, end); err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", p.Name, err)
	}
	if b.Disclosures, err = src.ClosedPlanIDs(ctx, from, until); err != nil {
		return nil, fmt.Errorf("bulletin %s: %w", p.Name, err)
	}
	return b, nil
}

func earliest(d ...sampling.Day) sampling.Day {
	return slices.MinFunc(d, sampling.Day.Compare)
}

// find returns the row of window and tier (and county or industry, when
// group is set) or nil.
func find(rows []sampling.RateRow, window, tier, group string) *sampling.RateRow {
	for _, r := range rows {
		if r.Window == window && r.Tier == tier && (group == "" || r.County == group || r.Industry == group) {
			return &r
		}
	}
	return nil
}

// groups keeps the rows of window, named, worst first: furthest below
// target, then most failed batches.
func groups(rows []sampling.RateRow, window string, name func(sampling.RateRow) string) []GroupRow {
	out := []GroupRow{}
	for _, r := range rows {
		if r.Window == window {
			out = append(out, GroupRow{RateRow: r, Name: name(r)})
		}
	}
	slices.SortStableFunc(out, func(a, b GroupRow) int {
		return cmp.Or(cmp.Compare(a.Rate-a.Target, b.Rate-b.Target), cmp.Compare(b.Failed, a.Failed), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func industryName(cfg *config.Config, id string) string {
	if ind := cfg.Industry(id); ind != nil && ind.Name != "" {
		return ind.Name
	}
	return id
}

// addExecution counts the tasks of the plans made for fires in the period,
// per schedule, as `execution` does; the public version counts closed
// plans only.
func (b *Bulletin) addExecution(ctx context.Context, src Source, cfg *config.Config, p Period) error {
	// A day early: a plan's nominal date is in the service's zone, its
	// time is stored in UTC.
	counts, err := src.PlanTaskCounts(ctx, p.From.AddDays(-1).Start(time.UTC), cfg.Location)
	if err != nil {
		return err
	}
	if b.Public {
		counts = slices.DeleteFunc(counts, func(c sampling.PlanTaskCount) bool { return c.PlanOpen })
	}
	b.Execution = []Execution{}
	for _, r := range sampling.ComputeExecution(counts, nil, []sampling.Window{p.Window(p.To)}, p.To) {
		e := Execution{ExecutionRow: r}
		if sc := cfg.Schedule(r.Schedule); sc != nil {
			e.Industry, e.IndustryName = sc.Industry, industryName(cfg, sc.Industry)
		}
		if r.Planned > 0 {
			b.Execution = append(b.Execution, e)
		}
	}
	return nil
}

// addFailures names the final failures counted from from to to and counts
// the others.
func (b *Bulletin) addFailures(ctx context.Context, src Source, cfg *config.Config, from, to sampling.Day) error {
	failed, err := src.FailedBatches(ctx, from, to)
	if err != nil {
		return err
	}
	b.Failures = []Failure{}
	for _, f := range failed {
		switch {
		case !f.Final:
			b.Unnamed.Provisional++
		case b.Public && f.PlanStatus != sampling.PlanClosed:
			b.Unnamed.OpenPlan++
		default:
			b.Failures = append(b.Failures, Failure{
				Enterprise: f.Enterprise, CreditCode: f.CreditCode, Industry: f.Industry, Category: f.Category,
				CategoryName: cfg.CategoryName(f.Industry, f.Category), Tier: f.Tier, County: f.County,
				FailedItems: f.FailedItems, ReportNo: f.ReportNo, TestedOn: f.TestedOn, PlanID: f.PlanID,
			})
		}
	}
	return nil
}

// maxFalls is how many of the largest falls a bulletin names.
const maxFalls = 3

// changes compares the period's rates with the previous period's: tiers and
// counties whose rate crossed their target, and the largest falls of an
// industry's or county's rate.
func changes(before, after map[string][]sampling.RateRow, prevName, name string, cfg *config.Config) []Change {
	out := []Change{}
	crossed := func(by, up, down string) {
		for _, a := range after[by] {
			if a.Window != name {
				continue
			}
			p := find(before[by], prevName, a.Tier, a.County)
			if p == nil {
				continue
			}
			c := Change{Tier: a.Tier, County: a.County, Before: p.Rate, After: a.Rate, Target: a.Target}
			switch {
			case p.Rate < p.Target && a.Rate >= a.Target:
				c.Kind = up
			case p.Rate >= p.Target && a.Rate < a.Target:
				c.Kind = down
			default:
				continue
			}
			out = append(out, c)
		}
	}
	crossed(sampling.ByTier, ChangeTierUp, ChangeTierDown)
	crossed(sampling.ByCounty, ChangeCountyUp, ChangeCountyDown)
	var falls []Change
	for _, by := range []string{sampling.ByIndustry, sampling.ByCounty} {
		for _, a := range after[by] {
			if a.Window != name {
				continue
			}
			group := a.County + a.Industry
			p := find(before[by], prevName, a.Tier, group)
			if p == nil || a.Rate >= p.Rate {
				continue
			}
			n := a.County
			if by == sampling.ByIndustry {
				n = industryName(cfg, a.Industry)
			}
			falls = append(falls, Change{Kind: ChangeFall, Tier: a.Tier, Name: n, Before: p.Rate, After: a.Rate, Target: a.Target})
		}
	}
	slices.SortStableFunc(falls, func(x, y Change) int {
		return cmp.Or(cmp.Compare(x.After-x.Before, y.After-y.Before), cmp.Compare(x.Name, y.Name))
	})
	return append(out, falls[:min(len(falls), maxFalls)]...)
}
