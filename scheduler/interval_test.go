package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"spotcheck/config"
	"spotcheck/scheduler"
	"spotcheck/storage/storagetest"
)

func TestInterval(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	newYork, _ := time.LoadLocation("America/New_York")
	from := time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai)
	tests := []struct {
		spec string
		loc  *time.Location
		want time.Duration
	}{
		{"*/10 * * * * *", shanghai, 10 * time.Second},
		{"3/15 * * * * *", shanghai, 15 * time.Second},
		{"@daily", shanghai, 24 * time.Hour},
		{"0 9 1 * *", shanghai, 31 * 24 * time.Hour},
		{"0 9 * * 1-5", shanghai, 3 * 24 * time.Hour},
		{"0 9 1 1,4,7,10 *", shanghai, 92 * 24 * time.Hour},
		// daylight saving: the night the clocks go back is 25 hours long
		{"0 12 * * *", newYork, 25 * time.Hour},
		// daily in March only: the off-season gap, 31 March to 1 March
		{"0 9 * 3 *", shanghai, time.Date(2028, 3, 1, 9, 0, 0, 0, shanghai).Sub(time.Date(2027, 3, 31, 9, 0, 0, 0, shanghai))},
		// 29 February only: four years, found past the one-year horizon
		{"0 9 29 2 *", shanghai, time.Date(2032, 2, 29, 9, 0, 0, 0, shanghai).Sub(time.Date(2028, 2, 29, 9, 0, 0, 0, shanghai))},
		// 30 February never comes
		{"0 9 30 2 *", shanghai, 0},
	}
	for _, tt := range tests {
		spec, err := config.ParseCron(tt.spec, tt.loc)
		if err != nil {
			t.Fatal(err)
		}
		if got := scheduler.Interval(spec, from); got != tt.want {
			t.Errorf("Interval(%q in %s) = %v, want %v", tt.spec, tt.loc, got, tt.want)
		}
	}
}

// TestScheduleMetricsStartAtZero: a new scheduler exports each schedule's
// interval and its counters at 0, so the first missed or failed fire is an
// increase that alert rules see.
func TestScheduleMetricsStartAtZero(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	if _, err := scheduler.New(newConfig(t, "latest"), nil, reg, storagetest.Logger(t), scheduler.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP spotcheck_schedule_interval_seconds The longest gap between consecutive fires of the schedule over the coming year, as of the process start; alerts call a schedule late when its last success is older than twice this.
# TYPE spotcheck_schedule_interval_seconds gauge
spotcheck_schedule_interval_seconds{schedule="textiles-10s"} 10
# HELP spotcheck_schedule_missed_fires_total Fires recorded as missed by this replica under the schedule's catch-up policy, and fires too old to record.
# TYPE spotcheck_schedule_missed_fires_total counter
spotcheck_schedule_missed_fires_total{schedule="textiles-10s"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "spotcheck_schedule_interval_seconds", "spotcheck_schedule_missed_fires_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "spotcheck_schedule_runs_total"); err != nil || n != 18 {
		t.Errorf("spotcheck_schedule_runs_total has %d series (%v), want 18 (3 kinds × 6 results) at 0", n, err)
	}
}
