package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"spotcheck/deploy/grafana"
	promrules "spotcheck/deploy/prometheus"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// e2eConfig has one industry with a category in each tier, drawn by hand
// (widgets-quarterly), and another drawn every two seconds, so that the
// scheduler's metrics move.
const e2eConfig = `
timezone: Asia/Shanghai
industries:
  - id: widgets
    name: 小商品
    categories:
      - {id: toys, name: 玩具, tier: general}
      - {id: helmets, name: 头盔, tier: key}
      - {id: fertilizers, name: 化肥, tier: agri_input}
  - id: gadgets
    name: 小家电
    categories:
      - {id: kettles, name: 电水壶, tier: general}
schedules:
  - name: widgets-quarterly
    industry: widgets
    cron: "0 9 1 1,4,7,10 *"
    batches: 150
    inspectors_per_task: 1
    max_tasks_per_inspector: 50
  - name: gadgets-2s
    industry: gadgets
    cron: "*/2 * * * * *"
    batches: 1
    no_repeat: 1m
    inspectors_per_task: 1
`

// e2eRegistry returns the enterprises CSV (50 units of each widgets
// category and 40 gadgets units, in two counties) and the inspectors CSV.
func e2eRegistry(t *testing.T) (enterprises, inspectors string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("credit_code,name,county,industry,category\n")
	n := 0
	unit := func(industry, category string) {
		body := fmt.Sprintf("91320500MA%07d", n)
		c, err := sampling.CreditCodeCheck(body)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s%c,企业%d,%s,%s,%s\n", body, c, n, []string{"姑苏区", "吴江区"}[n%2], industry, category)
		n++
	}
	for _, cat := range []string{"toys", "helmets", "fertilizers"} {
		for range 50 {
			unit("widgets", cat)
		}
	}
	for range 40 {
		unit("gadgets", "kettles")
	}
	var ins strings.Builder
	ins.WriteString("id,name,county,industries\n")
	for i := range 8 {
		fmt.Fprintf(&ins, "I%03d,检查员%d,%s,widgets;gadgets\n", i, i, []string{"姑苏区", "吴江区"}[i%2])
	}
	return b.String(), ins.String()
}

// startPrometheus runs Debian's prometheus scraping target every four
// seconds (a failed scrape marks every series stale, so the timeout is
// generous for a loaded machine running -race) with the shipped rules, their for: durations shortened to 2s so that the
// test need not wait 15 minutes; it returns the base URL of its API.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	bin := needTool(t, "prometheus")
	dir := t.TempDir()
	rules := regexp.MustCompile(`(?m)^(\s+for: ).*$`).ReplaceAll(promrules.RulesYAML(), []byte("${1}2s"))
	if err := os.WriteFile(filepath.Join(dir, "spotcheck.rules.yml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`
global:
  scrape_interval: 4s
  scrape_timeout: 4s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: spotcheck
    static_configs:
      - targets: [%q]
`, filepath.Join(dir, "spotcheck.rules.yml"), target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			// Why series went missing: the target's last scrape error.
			if resp, err := http.Get("http://" + addr + "/api/v1/targets"); err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Logf("prometheus targets:\n%s", body)
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	base := "http://" + addr
	waitFor(t, 30*time.Second, "prometheus to be ready", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited: %v\n%s", err, log.String())
		default:
		}
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base
}

// promAPI gets a Prometheus HTTP API path and decodes its data into v.
func promAPI(t *testing.T, base, path string, params url.Values, v any) error {
	t.Helper()
	resp, err := http.Get(base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("GET %s?%s: %s: %s", path, params.Encode(), body.Status, body.Error)
	}
	return json.Unmarshal(body.Data, v)
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	ActiveAt    time.Time         `json:"activeAt"`
}

func alertsNow(t *testing.T, base string) []promAlert {
	t.Helper()
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	if err := promAPI(t, base, "/api/v1/alerts", nil, &data); err != nil {
		t.Fatal(err)
	}
	return data.Alerts
}

// TestPrometheusEndToEnd runs spotcheck and a real Prometheus with the
// shipped rules: results that put the key tier below target make
// SpotcheckPassRateBelowTarget fire for it and nothing fire for the healthy
// tiers; then every dashboard query parses and returns data there.
func TestPrometheusEndToEnd(t *testing.T) {
	needTool(t, "prometheus")
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	cfg := filepath.Join(t.TempDir(), "spotcheck.yaml")
	if err := os.WriteFile(cfg, []byte(e2eConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	enterprises, inspectors := e2eRegistry(t)
	for kind, csv := range map[string]string{"enterprises": enterprises, "inspectors": inspectors} {
		if out, stderr, code := te.run(ctx, csv, "import", kind, "-", "--config", cfg); code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", kind, code, out, stderr)
		}
	}
	out, stderr, code := te.run(ctx, "", "plan", "run", "widgets-quarterly", "--config", cfg, "--format", "json")
	if code != 0 {
		t.Fatalf("plan run: exit %d: %s", code, stderr)
	}
	var plan sampling.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Tasks) != 150 {
		t.Fatalf("plan run made %d tasks (%v), want 150", len(plan.Tasks), err)
	}

	base, _ := te.serve("--config", cfg)
	prom := startPrometheus(t, strings.TrimPrefix(base, "http://"))

	// The key tier passes 40 of 50 batches (80%, upper bound 88% < 97%);
	// the general and agricultural-input tiers pass all of theirs.
	today := time.Now().In(mustLoc(t)).Format(time.DateOnly)
	var csv strings.Builder
	csv.WriteString("task_id,outcome,tested_on,report_no,failed_items\n")
	keyFailed := 0
	for _, task := range plan.Tasks {
		if task.Tier == sampling.TierKey && keyFailed < 10 {
			keyFailed++
			fmt.Fprintf(&csv, "%d,fail,%s,R%d,抗冲击性能\n", task.ID, today, task.ID)
			continue
		}
		fmt.Fprintf(&csv, "%d,pass,%s,R%d,\n", task.ID, today, task.ID)
	}
	admin, stderr, code := te.run(ctx, "", "token", "create", "--role", "admin")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/results", strings.NewReader(csv.String()))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(admin))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || keyFailed != 10 {
		t.Fatalf("POST /api/v1/results = %d with %d key failures, want 200 with 10", resp.StatusCode, keyFailed)
	}

	var firingSince time.Time
	waitFor(t, 90*time.Second, "SpotcheckPassRateBelowTarget{tier=key} to fire", func() bool {
		for _, a := range alertsNow(t, prom) {
			if a.Labels["alertname"] == "SpotcheckPassRateBelowTarget" && a.Labels["tier"] == "key" && a.State == "firing" {
				firingSince = time.Now()
				return true
			}
		}
		return false
	})
	// Let the rules run a few more times, so that an alert about a healthy
	// tier would have had its chance to fire.
	var rules struct {
		Groups []struct {
			Name           string    `json:"name"`
			LastEvaluation time.Time `json:"lastEvaluation"`
			Rules          []struct {
				Name      string `json:"name"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	waitFor(t, 30*time.Second, "three more rule evaluations", func() bool {
		if err := promAPI(t, prom, "/api/v1/rules", nil, &rules); err != nil {
			t.Fatal(err)
		}
		for _, g := range rules.Groups {
			if g.Name == "spotcheck-pass-rates" {
				return g.LastEvaluation.After(firingSince.Add(3 * time.Second))
			}
		}
		return false
	})
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.LastError)
			}
		}
	}
	windows := map[string]bool{}
	for _, a := range alertsNow(t, prom) {
		name, tier := a.Labels["alertname"], a.Labels["tier"]
		switch {
		case tier == sampling.TierGeneral || tier == sampling.TierAgriInput:
			t.Errorf("alert %s is %s for the healthy %s tier: %v", name, a.State, tier, a.Labels)
		case name == "SpotcheckPassRateAtRisk":
			t.Errorf("SpotcheckPassRateAtRisk is %s for %v: the key tier is confidently below target, not at risk", a.State, a.Labels)
		case name == "SpotcheckPassRateBelowTarget" && a.State == "firing":
			if a.Labels["severity"] != "critical" || a.Labels["job"] != "spotcheck" {
				t.Errorf("SpotcheckPassRateBelowTarget labels = %v, want severity critical and job spotcheck", a.Labels)
			}
			windows[a.Labels["window"]] = true
			want := "The key tier passed 80% of 50 batches over " + a.Labels["window"] + "; even the one-sided 95% upper bound,"
			if d := a.Annotations["description"]; !strings.HasPrefix(d, want) || !strings.HasSuffix(d, "is below the target of 97%. Other windows: 30d 80%, 90d 80%, ytd 80%.") {
				t.Errorf("SpotcheckPassRateBelowTarget description = %q, want the rate, batches, bound and target", d)
			}
		}
	}
	// One problem, one alert: the key tier is below target in every
	// window, and the alert fires for its alert window alone.
	if len(windows) != 1 || !windows["365d"] {
		t.Errorf("SpotcheckPassRateBelowTarget{tier=key} fires for windows %v, want 365d alone", windows)
	}

	// A paused schedule, so that the board's pause columns have data.
	if _, stderr, code := te.run(ctx, "", "schedule", "pause", "widgets-quarterly", "--reason", "春节停检", "--config", cfg); code != 0 {
		t.Fatalf("schedule pause: exit %d: %s", code, stderr)
	}
	waitFor(t, 60*time.Second, "the pause to reach Prometheus", func() bool {
		var data struct {
			Result []json.RawMessage `json:"result"`
		}
		err := promAPI(t, prom, "/api/v1/query", url.Values{"query": {`spotcheck_schedule_pause_info{reason="春节停检"}`}}, &data)
		return err == nil && len(data.Result) > 0
	})

	t.Run("dashboard queries", func(t *testing.T) {
		// Every variable at its default: All, and the 365d window.
		all := strings.NewReplacer(`"$window"`, `"365d"`, `"30d|$window"`, `"30d|365d"`, `"$tier"`, `".*"`, `"$industry"`, `".*"`, `"$county"`, `".*"`, "$__rate_interval", "1m")
		for _, q := range dashboardQueries(t) {
			if len(boardQuery(t, prom, q, all)) == 0 {
				t.Errorf("%s: %s returns no data", q.Where, all.Replace(q.Expr))
			}
		}
	})

	// Every variable set to a value other than its default: each query
	// returns data, and every rate, bound, probability, status and count
	// it returns is what spotcheck rates --by says for the same window,
	// tier, industry and county.
	t.Run("dashboard queries with every variable set agree with rates --by", func(t *testing.T) {
		const window, tier, industry, county = "90d", sampling.TierKey, "widgets", "姑苏区"
		vars := strings.NewReplacer(`"$window"`, `"`+window+`"`, `"30d|$window"`, `"30d|`+window+`"`, `"$tier"`, `"`+tier+`"`,
			`"$industry"`, `"`+industry+`"`, `"$county"`, `"`+county+`"`, "$__rate_interval", "1m")
		rates := map[string][]sampling.RateRow{}
		for _, by := range []string{sampling.ByTier, sampling.ByIndustry, sampling.ByCounty, sampling.ByCategory} {
			out, stderr, code := te.run(ctx, "", "rates", "--config", cfg, "--by", by, "--industry", industry, "--county", county, "--format", "json")
			if code != 0 {
				t.Fatalf("rates --by %s: exit %d: %s", by, code, stderr)
			}
			var rep struct {
				Rates []sampling.RateRow `json:"rates"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			rates[by] = rep.Rates
		}
		names := map[string]string{"小商品": "widgets", "小家电": "gadgets"}
		checked := 0
		for _, q := range dashboardQueries(t) {
			samples := boardQuery(t, prom, q, vars)
			if len(samples) == 0 {
				// Stability is judged for a whole tier: with an industry or
				// county chosen, the panel is empty on purpose. Only plans
				// made by the scheduler are timed, and widgets' quarterly
				// schedule made none while the test ran.
				if !strings.Contains(q.Expr, "spotcheck_stability_status") && !strings.Contains(q.Expr, "spotcheck_schedule_run_duration_seconds") {
					t.Errorf("%s: %s returns no data", q.Where, vars.Replace(q.Expr))
				}
				continue
			}
			field := rateField(q.Expr)
			if field == "" || q.RefID == "" && strings.HasPrefix(q.Where, "variable") {
				continue
			}
			for _, smp := range samples {
				l := smp.Metric
				by, row := sampling.ByTier, sampling.RateRow{Tier: cmp.Or(l["tier"], tier), Window: cmp.Or(l["window"], window)}
				if id, ok := names[l["industry_name"]]; ok {
					row.Industry = id
				}
				switch {
				case l["category_name"] != "":
					by, row.Category = sampling.ByCategory, l["category"]
				case row.Industry != "":
					by = sampling.ByIndustry
				case l["county"] != "":
					by, row.County = sampling.ByCounty, l["county"]
				}
				want, ok := findRow(rates[by], row)
				if !ok {
					t.Errorf("%s: %v has no row in rates --by %s --window %s: %+v", q.Where, l, by, row.Window, rates[by])
					continue
				}
				got, err := strconv.ParseFloat(smp.Value[1].(string), 64)
				if err != nil {
					t.Fatal(err)
				}
				if w := fieldOf(want, field); math.Abs(got-w) > 1e-9 {
					t.Errorf("%s: %s of %v = %v, rates --by %s says %v", q.Where, field, l, got, by, w)
				}
				checked++
			}
		}
		if checked < 29 {
			t.Errorf("compared %d values with rates --by, want the 29 of the rate panels", checked)
		}
		// The tasks panels count the plan's tasks of the chosen tier,
		// industry and county, every one tested.
		wantTested := 0
		for _, task := range plan.Tasks {
			if task.Tier == tier && task.County == county {
				wantTested++
			}
		}
		taskPanels := 0
		for _, q := range dashboardQueries(t) {
			if !strings.Contains(q.Expr, "spotcheck_tasks") {
				continue
			}
			taskPanels++
			got := map[string]string{}
			for _, smp := range boardQuery(t, prom, q, vars) {
				got[smp.Metric["state"]] = smp.Value[1].(string)
			}
			if got[sampling.TaskTested] != strconv.Itoa(wantTested) || got[sampling.TaskAssigned] != "0" || got[sampling.TaskOverdue] != "0" {
				t.Errorf("%s: tasks by state %v, want %d tested (the plan's %s tasks in %s) and none assigned or overdue", q.Where, got, wantTested, tier, county)
			}
		}
		if taskPanels != 2 || wantTested == 0 {
			t.Errorf("checked %d task panels with %d tested tasks, want the 2 panels and some tasks", taskPanels, wantTested)
		}
		t.Logf("compared %d values of the board with rates --by", checked)
	})
}

// promSample is one sample of an instant query's vector result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
}

// boardQuery runs a dashboard query with its variables filled in by vars,
// as an instant query.
func boardQuery(t *testing.T, prom string, q grafana.Query, vars *strings.Replacer) []promSample {
	t.Helper()
	expr := vars.Replace(q.Expr)
	if strings.Contains(expr, "$") {
		t.Fatalf("%s: %s has a variable the test does not fill in", q.Where, expr)
	}
	var data struct {
		Result []promSample `json:"result"`
	}
	if err := promAPI(t, prom, "/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		t.Fatalf("%s: %v", q.Where, err)
	}
	return data.Result
}

// rateField names the field of a rate row that a dashboard query gives,
// or "" for a query that is no rate row's.
func rateField(expr string) string {
	switch {
	case strings.Contains(expr, "spotcheck_stability"), strings.Contains(expr, "spotcheck_results_total"),
		strings.Contains(expr, "spotcheck_failed_results_total"), strings.Contains(expr, "spotcheck_schedule"),
		strings.Contains(expr, "spotcheck_tasks"), !strings.Contains(expr, "spotcheck_"):
		return ""
	case strings.Contains(expr, "_status{"):
		return "status"
	case strings.Contains(expr, "_lower_ratio"):
		return "lower"
	case strings.Contains(expr, "_upper_ratio"):
		return "upper"
	case strings.Contains(expr, "_below_target_probability"):
		return "p_below_target"
	case strings.Contains(expr, "pass_rate_target_ratio"):
		return "target"
	case strings.Contains(expr, "pass_rate_ratio"), strings.HasPrefix(expr, "(1 - "):
		return "rate"
	case strings.Contains(expr, "window_failed_batches"):
		return "failed"
	case strings.Contains(expr, "window_batches"):
		return "batches"
	}
	return ""
}

// fieldOf returns a rate row's field as the board shows it; the status as
// 2 met, 1 at risk, 0 missed.
func fieldOf(r sampling.RateRow, field string) float64 {
	switch field {
	case "status":
		return map[string]float64{sampling.StatusMet: 2, sampling.StatusAtRisk: 1, sampling.StatusMissed: 0}[r.Status]
	case "lower":
		return r.Lower
	case "upper":
		return r.Upper
	case "p_below_target":
		return r.PBelowTarget
	case "target":
		return r.Target
	case "failed":
		return float64(r.Failed)
	case "batches":
		return float64(r.Batches)
	}
	return r.Rate
}

// findRow finds the row of rows with want's window, tier and group.
func findRow(rows []sampling.RateRow, want sampling.RateRow) (sampling.RateRow, bool) {
	for _, r := range rows {
		if r.Window == want.Window && r.Tier == want.Tier && (want.Industry == "" || r.Industry == want.Industry) &&
			(want.Category == "" || r.Category == want.Category) && (want.County == "" || r.County == want.County) {
			return r, true
		}
	}
	return sampling.RateRow{}, false
}

// pendingIn returns a pending metric that expr names, if any.
func pendingIn(expr string) string {
	for _, n := range metricNames(expr) {
		if pendingMetrics[n] != "" {
			return n
		}
	}
	return ""
}
