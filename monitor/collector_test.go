package monitor

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const testConfig = `
timezone: Asia/Shanghai
windows: [30d, 365d]
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
      - {id: childrens-garments, name: 童装, tier: key}
  - id: agri-inputs
    name: 农资
    categories:
      - {id: pesticides, name: 农药, tier: agri_input}
      - {id: fertilizers, name: 化肥, tier: agri_input}
schedules:
  - {name: textiles-monthly, industry: textiles, cron: "0 9 1 * *", batches: 10}
  - {name: agri-monthly, industry: agri-inputs, cron: "0 9 1 * *", batches: 10}
`

func testCfg(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var today sampling.Day = "2026-11-28"

func day(daysAgo int) sampling.Day { return today.AddDays(-daysAgo) }

// snapshotOf builds the snapshot Refresh would take of rollups, after prev.
func snapshotOf(cfg *config.Config, prev *Snapshot, rollups []sampling.Rollup) *Snapshot {
	grouped := sampling.ComputeRatesBy(rollups, cfg.TierRules(), cfg.RateWindows(), today, cfg.RateOptions(),
		sampling.ByTier, sampling.ByIndustry, sampling.ByCategory, sampling.ByCounty, sampling.ByIndustryCounty)
	var stability []sampling.StabilityRow
	for _, tier := range cfg.TierRules() {
		if rule, ok := cfg.StabilityRules()[tier.Name]; ok {
			stability = append(stability, sampling.ComputeStability(rollups, tier, rule, today, cfg.RateOptions()))
		}
	}
	s := &Snapshot{
		AsOf:      today.Start(time.UTC).Add(10 * time.Hour),
		Today:     today,
		Rollups:   rollups,
		Headline:  grouped[sampling.ByTier],
		Grouped:   grouped,
		Stability: stability,
		Tasks: []sampling.TaskCount{
			{State: "assigned", Tier: "general", Industry: "textiles", County: "姑苏区", N: 12},
			{State: "lapsed", Tier: "general", Industry: "textiles", County: "姑苏区", N: 5},
			{State: "overdue", Tier: "general", Industry: "textiles", County: "姑苏区", N: 3},
			{State: "tested", Tier: "general", Industry: "textiles", County: "姑苏区", N: 34},
			{State: "assigned", Tier: "key", Industry: "textiles", County: "吴江区", N: 0},
			{State: "lapsed", Tier: "key", Industry: "textiles", County: "吴江区", N: 0},
			{State: "overdue", Tier: "key", Industry: "textiles", County: "吴江区", N: 0},
			{State: "tested", Tier: "key", Industry: "textiles", County: "吴江区", N: 6},
		},
		Execution: sampling.ComputeExecution([]sampling.PlanTaskCount{
			{Schedule: "textiles-monthly", Day: day(40), Status: sampling.TaskClosed, N: 30},
			{Schedule: "textiles-monthly", Day: day(40), Status: sampling.TaskRefused, N: 2},
			{Schedule: "textiles-monthly", Day: day(40), Status: sampling.TaskLapsed, N: 5},
			{Schedule: "textiles-monthly", Day: day(10), Status: sampling.TaskTested, N: 10},
			{Schedule: "textiles-monthly", Day: day(10), Status: sampling.TaskAssigned, N: 12},
		}, []string{"textiles-monthly"}, cfg.RateWindows(), today),
		Pauses: map[string]storage.ScheduleState{
			"textiles-monthly": {Schedule: "textiles-monthly", Paused: true, Reason: "春节停检", ChangedBy: "cli:alice", ChangedAt: today.AddDays(-9).Start(time.UTC)},
			"agri-monthly":     {Schedule: "agri-monthly", Paused: false, ChangedBy: "cli:bob", ChangedAt: today.AddDays(-2).Start(time.UTC)},
		},
	}
	s.Exported = export(cfg, prev, s)
	return s
}

// TestCollector pins the exposition of a known snapshot (golden file,
// -update to rewrite) and lints it as promtool check metrics does.
func TestCollector(t *testing.T) {
	cfg := testCfg(t)
	m := New(cfg, nil, time.Now, storagetest.Logger(t))
	first := snapshotOf(cfg, m.Snapshot(), []sampling.Rollup{
		{Day: day(0), Tier: "general", Industry: "textiles", Category: "garments", County: "姑苏区", Tested: 30, Failed: 1},
		{Day: day(40), Tier: "key", Industry: "textiles", Category: "childrens-garments", County: "吴江区", Tested: 20, Failed: 2},
	})
	m.snap.Store(first)
	m.snap.Store(snapshotOf(cfg, first, []sampling.Rollup{
		{Day: day(0), Tier: "general", Industry: "textiles", Category: "garments", County: "姑苏区", Tested: 34, Failed: 2},
		{Day: day(40), Tier: "key", Industry: "textiles", Category: "childrens-garments", County: "吴江区", Tested: 20, Failed: 2},
		{Day: day(1), Tier: "agri_input", Industry: "agri-inputs", Category: "pesticides", County: "吴江区", Tested: 10, Failed: 0},
		{Day: day(1), Tier: "agri_input", Industry: "agri-inputs", Category: "fertilizers", County: "吴江区", Tested: 8, Failed: 2},
	}))
	c := NewCollector(m, 15*time.Second)

	got := exposition(t, c)
	golden := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./monitor -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("collector output differs from %s (go test ./monitor -update rewrites it):\n%s", golden, got)
	}
	for _, line := range []string{
		`spotcheck_results_total{county="姑苏区",industry="textiles",tier="general"} 4`,
		`spotcheck_failed_results_total{county="姑苏区",industry="textiles",tier="general"} 1`,
		`spotcheck_results_total{county="吴江区",industry="agri-inputs",tier="agri_input"} 18`,
		`spotcheck_results_total{county="吴江区",industry="textiles",tier="key"} 0`,
		`spotcheck_tasks{county="姑苏区",industry="textiles",state="overdue",tier="general"} 3`,
		// 18 of 20 against 97%: the exact upper bound, 98.2%, reaches the
		// target, so not missed.
		`spotcheck_industry_pass_rate_status{industry="textiles",status="at_risk",tier="key",window="365d"} 1`,
		`spotcheck_industry_county_pass_rate_ratio{county="吴江区",industry="textiles",tier="key",window="365d"} 0.9`,
		// No quarter before this one holds 30 key batches.
		`spotcheck_stability_status{status="insufficient",tier="key"} 1`,
		`spotcheck_stability_period_status{period="2026Q3",status="insufficient",tier="key"} 1`,
		`spotcheck_pass_rate_alert_window_info{tier="key",window="365d"} 1`,
		`spotcheck_category_info{category="childrens-garments",category_name="童装",industry="textiles",industry_name="纺织服装",tier="key"} 1`,
		`spotcheck_industry_info{industry="agri-inputs",industry_name="农资"} 1`,
		`spotcheck_schedule_info{industry="textiles",schedule="textiles-monthly"} 1`,
		`spotcheck_schedule_pause_info{paused_by="cli:alice",reason="春节停检",schedule="textiles-monthly"} 1`,
		`spotcheck_schedule_max_pause_seconds 604800`,
		// 8 fertilizer batches are fewer than 10: left out of the mean.
		`spotcheck_pass_rate_excluded_categories{tier="agri_input",window="30d"} 1`,
		`spotcheck_pass_rate_ratio{tier="agri_input",window="30d"} 1`,
		`spotcheck_county_pass_rate_ratio{county="吴江区",tier="agri_input",window="30d"} 1`,
		`# HELP spotcheck_window_batches Tested batches in the window. From the in-memory snapshot, refreshed on every write and every 15s.`,
	} {
		if !strings.Contains(string(got), line+"\n") {
			t.Errorf("collector output lacks %q", line)
		}
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// exposition returns c's metrics in the text format, as /metrics shows them.
func exposition(t *testing.T, c prometheus.Collector) []byte {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var buf bytes.Buffer
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestRecordedSince: the result counters follow the growth of the rollups
// between snapshots, whoever wrote them, and never go down.
func TestRecordedSince(t *testing.T) {
	cfg := testCfg(t)
	general := func(d sampling.Day, tested, failed int) sampling.Rollup {
		return sampling.Rollup{Day: d, Tier: "general", Industry: "textiles", Category: "garments", County: "姑苏区", Tested: tested, Failed: failed}
	}
	key := func(d sampling.Day, tested, failed int) sampling.Rollup {
		return sampling.Rollup{Day: d, Tier: "key", Industry: "textiles", Category: "childrens-garments", County: "吴江区", Tested: tested, Failed: failed}
	}
	tests := []struct {
		name                string
		before, after       []sampling.Rollup
		moveDays            int // the second snapshot is this many days later
		results, failed     float64
		keyResults, keyFail float64
	}{
		{name: "nothing new", before: []sampling.Rollup{general(day(3), 10, 1)}, after: []sampling.Rollup{general(day(3), 10, 1)}},
		{name: "a row grows", before: []sampling.Rollup{general(day(3), 10, 1)}, after: []sampling.Rollup{general(day(3), 13, 3)}, results: 3, failed: 2},
		{name: "a new row", after: []sampling.Rollup{general(day(0), 2, 1), key(day(0), 5, 0)}, results: 2, failed: 1, keyResults: 5},
		{name: "a backdated result", before: []sampling.Rollup{general(day(200), 10, 0)}, after: []sampling.Rollup{general(day(200), 11, 1)}, results: 1, failed: 1},
		{name: "a retest clears a failure", before: []sampling.Rollup{general(day(3), 10, 2)}, after: []sampling.Rollup{general(day(3), 10, 1)}},
		{
			name:   "the window moves past a day while results come in",
			before: []sampling.Rollup{general(day(364), 50, 5), general(day(0), 1, 0)},
			// a day later: day(364) has left the 365d window
			after:    []sampling.Rollup{general(day(0), 4, 1)},
			moveDays: 1, results: 3, failed: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			empty := &Snapshot{Exported: &Exported{}}
			base := snapshotOf(cfg, empty, tt.before)
			next := snapshotOf(cfg, base, tt.after)
			if tt.moveDays > 0 {
				next.Today = today.AddDays(tt.moveDays)
				next.Exported = export(cfg, base, next)
			}
			got := map[string]Recorded{}
			for _, r := range next.Exported.Recorded {
				got[r.Tier+"/"+r.Industry+"/"+r.County] = r
			}
			if g := got["general/textiles/姑苏区"]; g.Results != tt.results || g.Failed != tt.failed {
				t.Errorf("general/textiles = %v results, %v failed; want %v, %v", g.Results, g.Failed, tt.results, tt.failed)
			}
			if g := got["key/textiles/吴江区"]; g.Results != tt.keyResults || g.Failed != tt.keyFail {
				t.Errorf("key/textiles = %v results, %v failed; want %v, %v", g.Results, g.Failed, tt.keyResults, tt.keyFail)
			}
			if _, ok := got["agri_input/agri-inputs/姑苏区"]; !ok {
				t.Errorf("no counter for agri_input/agri-inputs in 姑苏区, want one at 0 from the configuration")
			}
		})
	}
	t.Run("first snapshot is the baseline", func(t *testing.T) {
		first := snapshotOf(cfg, &Snapshot{Exported: &Exported{}}, []sampling.Rollup{general(day(0), 100, 10)})
		for _, r := range first.Exported.Recorded {
			if r.Results != 0 || r.Failed != 0 {
				t.Errorf("first snapshot: %s/%s = %v, %v; want 0, 0", r.Tier, r.Industry, r.Results, r.Failed)
			}
		}
		if len(first.Exported.Recorded) != 3 {
			t.Errorf("first snapshot has %d counters, want 3 (the configuration's tier and industry pairs in the one county)", len(first.Exported.Recorded))
		}
	})
	t.Run("counters accumulate", func(t *testing.T) {
		s := &Snapshot{Exported: &Exported{}}
		for _, tested := range []int{1, 3, 3, 7} {
			s = snapshotOf(cfg, s, []sampling.Rollup{general(day(0), tested, 0)})
		}
		for _, r := range s.Exported.Recorded {
			if r.Tier == "general" && r.Results != 6 {
				t.Errorf("after growth 1→3→3→7: general results = %v, want 6", r.Results)
			}
		}
	})
}
