package monitor

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the snapshot as Prometheus metrics. It reads only the
// snapshot, so a scrape never touches the database.
type Collector struct {
	m *Monitor

	rate, lower, upper, target, status  *prometheus.Desc
	batches, failed, tasks, refreshedAt *prometheus.Desc
}

// NewCollector returns the collector of m's snapshot; refreshEvery is stated
// in the help texts.
func NewCollector(m *Monitor, refreshEvery time.Duration) *Collector {
	note := " From the in-memory snapshot, refreshed on every write and every " + refreshEvery.String() + "."
	return &Collector{
		m: m,
		rate: prometheus.NewDesc("spotcheck_pass_rate_ratio",
			"Pass rate of spot-checked batches per tier and window, formed by the tier's rule (pooled, or the mean of category rates)."+note,
			[]string{"tier", "window"}, nil),
		lower: prometheus.NewDesc("spotcheck_pass_rate_lower_ratio",
			"One-sided 95% lower bound of the pass rate (Wilson score; normal approximation for category means)."+note,
			[]string{"tier", "window"}, nil),
		upper: prometheus.NewDesc("spotcheck_pass_rate_upper_ratio",
			"One-sided 95% upper bound of the pass rate (Wilson score; normal approximation for category means)."+note,
			[]string{"tier", "window"}, nil),
		target: prometheus.NewDesc("spotcheck_pass_rate_target_ratio",
			"The tier's target pass rate from the configuration.",
			[]string{"tier"}, nil),
		status: prometheus.NewDesc("spotcheck_pass_rate_status",
			"1 for the tier's current status in the window (met, at_risk, missed), 0 for the others."+note,
			[]string{"tier", "window", "status"}, nil),
		batches: prometheus.NewDesc("spotcheck_window_batches",
			"Tested batches in the window."+note,
			[]string{"tier", "industry", "category", "county", "window"}, nil),
		failed: prometheus.NewDesc("spotcheck_window_failed_batches",
			"Failed batches in the window."+note,
			[]string{"tier", "industry", "category", "county", "window"}, nil),
		tasks: prometheus.NewDesc("spotcheck_tasks",
			"Tasks by state; overdue tasks are assigned tasks past their due date and are not counted as assigned."+note,
			[]string{"state"}, nil),
		refreshedAt: prometheus.NewDesc("spotcheck_snapshot_timestamp_seconds",
			"When the in-memory snapshot behind these metrics was last refreshed, as Unix time.",
			nil, nil),
	}
}

// Describe sends the descriptors of every family.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rate, c.lower, c.upper, c.target, c.status, c.batches, c.failed, c.tasks, c.refreshedAt} {
		ch <- d
	}
}

// Collect sends the snapshot's values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.m.Snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, t := range c.m.cfg.TierRules() {
		gauge(c.target, t.Target, t.Name)
	}
	for _, r := range snap.Headline {
		gauge(c.rate, r.Rate, r.Tier, r.Window)
		gauge(c.lower, r.Lower, r.Tier, r.Window)
		gauge(c.upper, r.Upper, r.Tier, r.Window)
		for _, s := range []string{"met", "at_risk", "missed"} {
			v := 0.0
			if r.Status == s {
				v = 1
			}
			gauge(c.status, v, r.Tier, r.Window, s)
		}
	}
	for _, cell := range snap.Cells(c.m.cfg.RateWindows()) {
		gauge(c.batches, float64(cell.Batches), cell.Tier, cell.Industry, cell.Category, cell.County, cell.Window)
		gauge(c.failed, float64(cell.Failed), cell.Tier, cell.Industry, cell.Category, cell.County, cell.Window)
	}
	for state, n := range snap.Tasks {
		gauge(c.tasks, float64(n), state)
	}
	if !snap.AsOf.IsZero() {
		gauge(c.refreshedAt, float64(snap.AsOf.UnixMilli())/1000)
	}
}
