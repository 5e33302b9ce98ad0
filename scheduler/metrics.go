package scheduler

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the scheduler's; docs/operations.md explains each. Counters
// and histograms count what this replica did; gauges read from the
// database describe the schedule whichever replica acted.
type metrics struct {
	runs        *prometheus.CounterVec
	missed      *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lag         *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	nextFire    *prometheus.GaugeVec
	interval    *prometheus.GaugeVec
	paused      *prometheus.GaugeVec
	// Beacon-seeded schedules: announcements awaiting their beacon, how
	// long past its due time the oldest has waited, and the schedule's
	// max_wait.
	awaiting      *prometheus.GaugeVec
	beaconWait    *prometheus.GaugeVec
	beaconMaxWait *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		runs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "spotcheck_schedule_runs_total",
			Help: "Fires settled by this replica, by schedule, kind (scheduled, catch_up, manual) and result: made, missed, failed, skipped (as the ledger records them), duplicate (the ledger already held the fire) or error (an attempt that failed and is retried).",
		}, []string{"schedule", "kind", "result"}),
		missed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "spotcheck_schedule_missed_fires_total",
			Help: "Fires recorded as missed by this replica under the schedule's catch-up policy, and fires too old to record.",
		}, []string{"schedule"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "spotcheck_schedule_run_duration_seconds",
			Help:    "Time to draw and commit a plan, once the schedule's locks were held.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 9),
		}, []string{"schedule"}),
		lag: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "spotcheck_schedule_lag_seconds",
			Help:    "Time from a fire's nominal time to the commit of its plan (scheduled and catch-up fires made by this replica).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 86400},
		}, []string{"schedule"}),
		lastSuccess: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_schedule_last_success_timestamp_seconds",
			Help: "When the schedule's newest plan was committed, by any replica, as Unix time.",
		}, []string{"schedule"}),
		nextFire: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_schedule_next_fire_timestamp_seconds",
			Help: "The schedule's next nominal fire time, as Unix time.",
		}, []string{"schedule"}),
		interval: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_schedule_interval_seconds",
			Help: "The longest gap between consecutive fires of the schedule over the coming year, as of the process start; alerts call a schedule late when its last success is older than twice this.",
		}, []string{"schedule"}),
		paused: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_schedule_paused",
			Help: "1 while the schedule is paused (schedule pause), else 0.",
		}, []string{"schedule"}),
		awaiting: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_announcements_awaiting_beacon",
			Help: "Announcements of the beacon-seeded schedule whose plan awaits its beacon value.",
		}, []string{"schedule"}),
		beaconWait: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_beacon_wait_seconds",
			Help: "How long past its due time the schedule's oldest announcement has awaited its beacon value; 0 when none is overdue.",
		}, []string{"schedule"}),
		beaconMaxWait: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spotcheck_beacon_max_wait_seconds",
			Help: "The schedule's beacon max_wait (0 for schedules without a beacon): alerts fire when spotcheck_beacon_wait_seconds exceeds it.",
		}, []string{"schedule"}),
	}
}
