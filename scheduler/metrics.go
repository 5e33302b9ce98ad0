package scheduler

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	runs        *prometheus.CounterVec
	missed      *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	nextFire    *prometheus.GaugeVec
	interval    *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		runs: f.NewCounterVec(prometheus.CounterOpts{
			Name: "spotcheck_schedule_runs_total",
			Help: "Fires handled by this replica, by schedule, kind (scheduled, catch_up, manual) and outcome (made, duplicate: another replica made it, missed, failed, error).",
		}, []string{"schedule", "kind", "outcome"}),
		missed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "spotcheck_schedule_missed_fires_total",
			Help: "Fires recorded as missed by this replica under the schedule's catch-up policy.",
		}, []string{"schedule"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "spotcheck_schedule_run_duration_seconds",
			Help:    "Time to draw and commit a plan.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 9),
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
	}
}
