package monitor

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// stabilityDescs are the families of the tiers' stability: the tier's
// state, and each period's rate, bound, batches and status, which the
// stability alert quotes.
type stabilityDescs struct {
	status, minBatches                                    *prometheus.Desc
	periodRatio, periodUpper, periodBatches, periodStatus *prometheus.Desc
}

func newStabilityDescs(note string) stabilityDescs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return stabilityDescs{
		status: d("spotcheck_stability_status",
			"1 for the tier's current stability (stable: every recent period judged and none missed the target; unstable: a judged period missed it; insufficient: none missed, but a period held fewer than its minimum of batches), 0 for the others."+note,
			"tier", "status"),
		minBatches: d("spotcheck_stability_min_batches",
			"Tested batches a stability period needs to be judged (stability.min_batches of the tier).",
			"tier"),
		periodRatio: d("spotcheck_stability_period_ratio",
			"Pass rate of the tier in one recent stability period (2026Q3, 2026-07), by the tier's rule."+note,
			"tier", "period"),
		periodUpper: d("spotcheck_stability_period_upper_ratio",
			"One-sided 95% upper bound of the tier's pass rate in one stability period."+note,
			"tier", "period"),
		periodBatches: d("spotcheck_stability_period_batches",
			"Tested batches of the tier in one stability period."+note,
			"tier", "period"),
		periodStatus: d("spotcheck_stability_period_status",
			"1 for the status of the tier's pass rate in one stability period (met, at_risk, missed, insufficient), 0 for the others."+note,
			"tier", "period", "status"),
	}
}

func (d stabilityDescs) describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{d.status, d.minBatches, d.periodRatio, d.periodUpper, d.periodBatches, d.periodStatus} {
		ch <- desc
	}
}

func (d stabilityDescs) collect(ch chan<- prometheus.Metric, rows []sampling.StabilityRow) {
	for _, st := range rows {
		oneOf(ch, d.status, sampling.StabilityStatuses(), st.Status, st.Tier)
		gauge(ch, d.minBatches, float64(st.MinBatches), st.Tier)
		for _, p := range st.Periods {
			if p.Batches > 0 { // an empty period has no rate
				gauge(ch, d.periodRatio, p.Rate, st.Tier, p.Period)
				gauge(ch, d.periodUpper, p.Upper, st.Tier, p.Period)
			}
			gauge(ch, d.periodBatches, float64(p.Batches), st.Tier, p.Period)
			oneOf(ch, d.periodStatus, append(slices.Clone(statuses), sampling.PeriodInsufficient), p.Status, st.Tier, p.Period)
		}
	}
}

// oneOf sends one series per state, 1 for current and 0 for the others,
// with the state as the last label.
func oneOf(ch chan<- prometheus.Metric, d *prometheus.Desc, states []string, current string, labels ...string) {
	for _, s := range states {
		v := 0.0
		if s == current {
			v = 1
		}
		gauge(ch, d, v, append(slices.Clone(labels), s)...)
	}
}

// nameDescs are info families that carry the configuration's names of
// industries and categories, for dashboards to show 纺织服装 / 童装 instead
// of ids, and each schedule's industry, for filtering schedules.
type nameDescs struct {
	industry, category, schedule *prometheus.Desc
}

func newNameDescs() nameDescs {
	return nameDescs{
		industry: prometheus.NewDesc("spotcheck_industry_info",
			"1 for each configured industry, with its name from the configuration (the id when it has none).",
			[]string{"industry", "industry_name"}, nil),
		category: prometheus.NewDesc("spotcheck_category_info",
			"1 for each configured category, with its tier and its and its industry's names from the configuration.",
			[]string{"industry", "category", "tier", "industry_name", "category_name"}, nil),
		schedule: prometheus.NewDesc("spotcheck_schedule_info",
			"1 for each configured schedule, with the industry it draws from.",
			[]string{"schedule", "industry"}, nil),
	}
}

func (d nameDescs) describe(ch chan<- *prometheus.Desc) {
	ch <- d.industry
	ch <- d.category
	ch <- d.schedule
}

func (d nameDescs) collect(ch chan<- prometheus.Metric, cfg *config.Config) {
	for _, ind := range cfg.Industries {
		name := ind.Name
		if name == "" {
			name = ind.ID
		}
		gauge(ch, d.industry, 1, ind.ID, name)
		for _, c := range ind.Categories {
			gauge(ch, d.category, 1, ind.ID, c.ID, c.Tier, name, cfg.CategoryName(ind.ID, c.ID))
		}
	}
	for _, sc := range cfg.Schedules {
		gauge(ch, d.schedule, 1, sc.Name, sc.Industry)
	}
}

// pauseDescs are the families of schedule pauses: who paused a schedule
// and why, since when, and how long a pause may last before the shipped
// alert warns.
type pauseDescs struct {
	info, since, changed, limit *prometheus.Desc
}

func newPauseDescs(note string) pauseDescs {
	return pauseDescs{
		info: prometheus.NewDesc("spotcheck_schedule_pause_info",
			"1 for each paused schedule, with who paused it and the reason given (schedule pause --reason)."+note,
			[]string{"schedule", "paused_by", "reason"}, nil),
		since: prometheus.NewDesc("spotcheck_schedule_paused_since_timestamp_seconds",
			"When each paused schedule was paused, as Unix time."+note,
			[]string{"schedule"}, nil),
		changed: prometheus.NewDesc("spotcheck_schedule_pause_changed_timestamp_seconds",
			"When each schedule was last paused or resumed, as Unix time; the alert on plans not made counts from a resume."+note,
			[]string{"schedule"}, nil),
		limit: prometheus.NewDesc("spotcheck_schedule_max_pause_seconds",
			"How long a schedule may stay paused before the shipped alert warns (max_pause in the configuration).",
			nil, nil),
	}
}

func (d pauseDescs) describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{d.info, d.since, d.changed, d.limit} {
		ch <- desc
	}
}

func (d pauseDescs) collect(ch chan<- prometheus.Metric, cfg *config.Config, pauses map[string]storage.ScheduleState) {
	gauge(ch, d.limit, time.Duration(cfg.MaxPause).Seconds())
	for _, sc := range cfg.Schedules {
		st, ok := pauses[sc.Name]
		if !ok || st.ChangedAt.IsZero() {
			continue
		}
		at := float64(st.ChangedAt.UnixMilli()) / 1000
		gauge(ch, d.changed, at, sc.Name)
		if st.Paused {
			gauge(ch, d.info, 1, sc.Name, st.ChangedBy, st.Reason)
			gauge(ch, d.since, at, sc.Name)
		}
	}
}
