package monitor

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/sampling"
)

// Collector exports the snapshot as Prometheus metrics. It reads only the
// snapshot, whose exported values are derived when it is taken, so a scrape
// never touches the database and costs the same however many results are
// stored. Labels are bounded by the configuration and the registry: tier,
// industry, category, county, window, state; never an enterprise, task or
// inspector.
type Collector struct {
	m            *Monitor
	refreshEvery time.Duration

	tier, industry, county, industryCounty rateDescs
	target, minBatches, batches, failed    *prometheus.Desc
	tasks, results, failedResults          *prometheus.Desc
	refreshedAt, refreshInterval           *prometheus.Desc
	alertWindow, excluded, minCategory     *prometheus.Desc
	stability                              stabilityDescs
	names                                  nameDescs
	pauses                                 pauseDescs
	execution                              executionDescs
}

// rateDescs are the families of one grouping of rate rows: by tier alone,
// or by tier and industry or county.
type rateDescs struct {
	group                             string // "", sampling.ByIndustry or sampling.ByCounty
	rate, lower, upper, below, status *prometheus.Desc
}

func newRateDescs(prefix, rows, group, note string) rateDescs {
	labels := []string{"tier", "window"}
	switch group {
	case sampling.ByIndustryCounty:
		labels = []string{"tier", "industry", "county", "window"}
	case "":
	default:
		labels = []string{"tier", group, "window"}
	}
	d := func(suffix, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(prefix+suffix, help+note, slices.Concat(labels, extra), nil)
	}
	return rateDescs{
		group: group,
		rate: d("_ratio",
			"Pass rate of spot-checked batches "+rows+", formed by the tier's rule (pooled, or the mean of category rates)."),
		lower: d("_lower_ratio",
			"One-sided 95% lower bound of the pass rate "+rows+" (exact Clopper–Pearson; normal approximation for a mean of several categories)."),
		upper: d("_upper_ratio",
			"One-sided 95% upper bound of the pass rate "+rows+" (exact Clopper–Pearson; normal approximation for a mean of several categories); below the target, the status is missed."),
		below: d("_below_target_probability",
			"Probability that the true pass rate "+rows+" is below the tier's target (Jeffreys posterior)."),
		status: d("_status",
			"1 for the current status of the pass rate "+rows+" (met, at_risk, missed), 0 for the others.", "status"),
	}
}

func (d rateDescs) describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{d.rate, d.lower, d.upper, d.below, d.status} {
		ch <- desc
	}
}

var statuses = []string{sampling.StatusMet, sampling.StatusAtRisk, sampling.StatusMissed}

func (d rateDescs) collect(ch chan<- prometheus.Metric, rows []sampling.RateRow) {
	for _, r := range rows {
		labels := []string{r.Tier, r.Window}
		switch d.group {
		case sampling.ByIndustry:
			labels = []string{r.Tier, r.Industry, r.Window}
		case sampling.ByCounty:
			labels = []string{r.Tier, r.County, r.Window}
		case sampling.ByIndustryCounty:
			labels = []string{r.Tier, r.Industry, r.County, r.Window}
		}
		gauge(ch, d.rate, r.Rate, labels...)
		gauge(ch, d.lower, r.Lower, labels...)
		gauge(ch, d.upper, r.Upper, labels...)
		gauge(ch, d.below, r.PBelowTarget, labels...)
		for _, s := range statuses {
			v := 0.0
			if r.Status == s {
				v = 1
			}
			gauge(ch, d.status, v, append(labels, s)...)
		}
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// NewCollector returns the collector of m's snapshot; refreshEvery, the
// period of Monitor.Run, is stated in the help texts and exported.
func NewCollector(m *Monitor, refreshEvery time.Duration) *Collector {
	note := " From the in-memory snapshot, refreshed on every write and every " + refreshEvery.String() + "."
	cells := []string{"tier", "industry", "category", "county", "window"}
	return &Collector{
		m:            m,
		refreshEvery: refreshEvery,
		tier:         newRateDescs("spotcheck_pass_rate", "per tier and window", "", note),
		industry:     newRateDescs("spotcheck_industry_pass_rate", "per tier, industry and window", sampling.ByIndustry, note),
		county:       newRateDescs("spotcheck_county_pass_rate", "per tier, county and window", sampling.ByCounty, note),
		industryCounty: newRateDescs("spotcheck_industry_county_pass_rate", "per tier, industry, county and window (the rates of an industry in one county)",
			sampling.ByIndustryCounty, note),
		alertWindow: prometheus.NewDesc("spotcheck_pass_rate_alert_window_info",
			"1 for the one window per tier whose pass rate the shipped alerts judge (alert_window in the configuration).",
			[]string{"tier", "window"}, nil),
		excluded: prometheus.NewDesc("spotcheck_pass_rate_excluded_categories",
			"Categories of a category-mean tier left out of its mean in the window for having fewer tested batches than min_category_batches."+note,
			[]string{"tier", "window"}, nil),
		minCategory: prometheus.NewDesc("spotcheck_pass_rate_min_category_batches",
			"Tested batches below which a category is left out of a category mean (min_category_batches in the configuration).",
			nil, nil),
		stability: newStabilityDescs(note),
		names:     newNameDescs(),
		pauses:    newPauseDescs(note),
		target: prometheus.NewDesc("spotcheck_pass_rate_target_ratio",
			"The tier's target pass rate from the configuration.",
			[]string{"tier"}, nil),
		minBatches: prometheus.NewDesc("spotcheck_pass_rate_min_batches",
			"Tested batches below which a pass rate is never met (min_batches in the configuration); the shipped alerts stay silent below it.",
			nil, nil),
		batches: prometheus.NewDesc("spotcheck_window_batches",
			"Tested batches in the window."+note,
			cells, nil),
		failed: prometheus.NewDesc("spotcheck_window_failed_batches",
			"Failed batches in the window."+note,
			cells, nil),
		tasks: prometheus.NewDesc("spotcheck_tasks",
			"Tasks by state, tier, industry and county (the enterprise's); overdue tasks are assigned or sampled tasks of open plans past their due date and are not counted as assigned; lapsed tasks are those a plan closed without a result."+note,
			[]string{"state", "tier", "industry", "county"}, nil),
		results: prometheus.NewDesc("spotcheck_results_total",
			"Results recorded by any replica or import since this process started, seen as growth of the rollups between snapshots; every replica counts the same results, so aggregate rates with max, not sum."+note,
			[]string{"tier", "industry", "county"}, nil),
		failedResults: prometheus.NewDesc("spotcheck_failed_results_total",
			"Failed results recorded by any replica or import since this process started, seen as growth of the rollups between snapshots; every replica counts the same results, so aggregate rates with max, not sum."+note,
			[]string{"tier", "industry", "county"}, nil),
		refreshedAt: prometheus.NewDesc("spotcheck_snapshot_timestamp_seconds",
			"When the in-memory snapshot behind these metrics was last refreshed, as Unix time.",
			nil, nil),
		execution: newExecutionDescs(note),
		refreshInterval: prometheus.NewDesc("spotcheck_snapshot_refresh_interval_seconds",
			"How often the in-memory snapshot is refreshed besides after each write.",
			nil, nil),
	}
}

// Describe sends the descriptors of every family.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []rateDescs{c.tier, c.industry, c.county, c.industryCounty} {
		d.describe(ch)
	}
	for _, d := range []*prometheus.Desc{c.target, c.minBatches, c.batches, c.failed, c.tasks,
		c.results, c.failedResults, c.refreshedAt, c.refreshInterval, c.alertWindow, c.excluded, c.minCategory} {
		ch <- d
	}
	c.execution.describe(ch)
	c.stability.describe(ch)
	c.names.describe(ch)
	c.pauses.describe(ch)
}

// Collect sends the snapshot's values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.m.Snapshot()
	for _, t := range c.m.cfg.TierRules() {
		gauge(ch, c.target, t.Target, t.Name)
	}
	gauge(ch, c.minBatches, float64(c.m.cfg.MinBatches))
	gauge(ch, c.refreshInterval, c.refreshEvery.Seconds())
	exp := snap.Exported
	if exp == nil {
		exp = &Exported{} // a snapshot not taken by Refresh
	}
	c.tier.collect(ch, snap.Headline)
	c.industry.collect(ch, snap.Grouped[sampling.ByIndustry])
	c.county.collect(ch, snap.Grouped[sampling.ByCounty])
	c.industryCounty.collect(ch, snap.Grouped[sampling.ByIndustryCounty])
	alertWindows := c.m.cfg.AlertWindows()
	for _, t := range c.m.cfg.TierRules() {
		gauge(ch, c.alertWindow, 1, t.Name, alertWindows[t.Name])
	}
	for _, r := range snap.Headline {
		if r.Tier != "" && c.m.cfg.Tiers[r.Tier].Aggregate == sampling.AggregateCategoryMean {
			gauge(ch, c.excluded, float64(len(r.Excluded)), r.Tier, r.Window)
		}
	}
	gauge(ch, c.minCategory, float64(c.m.cfg.MinCategoryBatches))
	c.stability.collect(ch, snap.Stability)
	c.names.collect(ch, c.m.cfg)
	c.pauses.collect(ch, c.m.cfg, snap.Pauses)
	for _, cell := range exp.Cells {
		gauge(ch, c.batches, float64(cell.Batches), cell.Tier, cell.Industry, cell.Category, cell.County, cell.Window)
		gauge(ch, c.failed, float64(cell.Failed), cell.Tier, cell.Industry, cell.Category, cell.County, cell.Window)
	}
	for _, r := range exp.Recorded {
		ch <- prometheus.MustNewConstMetric(c.results, prometheus.CounterValue, r.Results, r.Tier, r.Industry, r.County)
		ch <- prometheus.MustNewConstMetric(c.failedResults, prometheus.CounterValue, r.Failed, r.Tier, r.Industry, r.County)
	}
	for _, t := range snap.Tasks {
		gauge(ch, c.tasks, float64(t.N), t.State, t.Tier, t.Industry, t.County)
	}
	c.execution.collect(ch, snap.Execution)
	if !snap.AsOf.IsZero() {
		gauge(ch, c.refreshedAt, float64(snap.AsOf.UnixMilli())/1000)
	}
}
