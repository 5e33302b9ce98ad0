// Package grafana builds spotcheck's Grafana dashboard as code, with the
// Grafana Foundation SDK. The JSON that Grafana provisions,
// dashboards/spotcheck.json, is its output: regenerate it with
//
//	go test ./deploy/grafana -update
//
// and a test fails while the committed file differs from what the code
// builds.
package grafana

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// UID is the dashboard's stable uid: links and provisioning rely on it.
const UID = "spotcheck"

// datasource is the data source of every panel: the dashboard's
// datasource variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// Filters that panels apply from the dashboard's variables.
const (
	tierWindow = `tier=~"$tier", window="$window"`
	cellFilter = `tier=~"$tier", industry=~"$industry", county=~"$county", window="$window"`
)

// dedup is PromQL that counts the replicas' identical series once.
func dedup(selector string) string { return "max without (instance) (" + selector + ")" }

// statusExpr encodes the status of rate rows as 2 met, 1 at risk, 0 missed,
// keeping the rows' other labels, for value mappings to colour.
func statusExpr(metric, filter string) string {
	s := func(status string) string {
		return "max without (instance, status) (" + metric + `{status="` + status + `", ` + filter + "})"
	}
	return "2 * " + s("met") + " + " + s("at_risk")
}

// statusMappings show the encoded status as words on its colour.
func statusMappings() []dashboard.ValueMapping {
	result := func(text, color string) dashboard.ValueMappingResult {
		return dashboard.ValueMappingResult{Text: cog.ToPtr(text), Color: cog.ToPtr(color)}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
		Type: dashboard.MappingTypeValueToText,
		Options: map[string]dashboard.ValueMappingResult{
			"2": result("met", "green"),
			"1": result("at risk", "orange"),
			"0": result("missed", "red"),
		},
	}}}
}

func query(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Expr(expr).LegendFormat(legend)
}

func instant(expr, refID string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Expr(expr).Instant().Format(prometheus.PromQueryFormatTable).RefId(refID)
}

func thresholds(base string, steps ...any) *dashboard.ThresholdsConfigBuilder {
	ts := []dashboard.Threshold{{Color: base}}
	for i := 0; i+1 < len(steps); i += 2 {
		ts = append(ts, dashboard.Threshold{Value: cog.ToPtr(steps[i].(float64)), Color: steps[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(ts)
}

// Dashboard builds the spotcheck dashboard.
func Dashboard() (dashboard.Dashboard, error) {
	b := dashboard.NewDashboardBuilder("spotcheck: pass rates and plans").
		Uid(UID).
		Description("Spot-check pass rates against the quality targets, where they fall short, and whether plans are being made. From spotcheck's /metrics; alerts in deploy/prometheus, runbook in docs/alerts.md.").
		Tags([]string{"spotcheck"}).
		Refresh("1m").
		Time("now-7d", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus")).
		WithVariable(labelVariable("window", "Window", "spotcheck_pass_rate_ratio", false, "365d")).
		WithVariable(labelVariable("tier", "Tier", "spotcheck_pass_rate_target_ratio", true, "")).
		WithVariable(labelVariable("industry", "Industry", `spotcheck_window_batches{tier=~"$tier"}`, true, "")).
		WithVariable(labelVariable("county", "County", `spotcheck_window_batches{tier=~"$tier", industry=~"$industry"}`, true, ""))

	b.WithRow(dashboard.NewRowBuilder("Pass rates against targets"))
	b.WithPanel(headStat("Status in $window",
		"Each tier's status over the window: met, at risk (below target, not yet conclusive, or fewer than min_batches batches) or missed (the upper bound is below target).",
		statusExpr("spotcheck_pass_rate_status", tierWindow), "{{tier}}").
		Mappings(statusMappings()).
		ColorMode(common.BigValueColorModeBackground))
	b.WithPanel(headStat("Pass rate in $window",
		"Each tier's headline pass rate over the window: pooled, or the mean of the category rates for agricultural inputs.",
		dedup("spotcheck_pass_rate_ratio{"+tierWindow+"}"), "{{tier}}").
		Unit("percentunit").Decimals(1).
		ColorMode(common.BigValueColorModeNone))
	b.WithPanel(headStat("Probability below target in $window",
		"The probability that the tier's true pass rate is below its target, given the batches tested (Jeffreys posterior).",
		dedup("spotcheck_pass_rate_below_target_probability{"+tierWindow+"}"), "{{tier}}").
		Unit("percentunit").Decimals(0).Min(0).Max(1).
		Thresholds(thresholds("green", 0.5, "orange", 0.95, "red")).
		ColorMode(common.BigValueColorModeBackground))
	b.WithPanel(headStat("Stability",
		"Whether each tier with a stability rule met its target in each recent period (by default the key tier, each of the last 4 quarters): stable; unstable when a period with at least min_batches batches missed it; insufficient when a period had too few batches to judge.",
		"2 * max without (instance, status) (spotcheck_stability_status{status=\"stable\", tier=~\"$tier\"}) + max without (instance, status) (spotcheck_stability_status{status=\"insufficient\", tier=~\"$tier\"})", "{{tier}}").
		Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
			Type: dashboard.MappingTypeValueToText,
			Options: map[string]dashboard.ValueMappingResult{
				"2": {Text: cog.ToPtr("stable"), Color: cog.ToPtr("green")},
				"1": {Text: cog.ToPtr("insufficient"), Color: cog.ToPtr("blue")},
				"0": {Text: cog.ToPtr("unstable"), Color: cog.ToPtr("red")},
			},
		}}}).
		ColorMode(common.BigValueColorModeBackground))

	b.WithPanel(timeseries.NewPanelBuilder().
		Title("$tier: pass rate over $window with its 95% bounds").
		Description("The pass rate, the band between its one-sided 95% lower and upper bounds, and the target (dashed). Below target with the whole band under the line: confidently missed.").
		Datasource(datasource).Height(9).Span(8).
		Repeat("tier").RepeatDirection(dashboard.PanelRepeatDirectionH).MaxPerRow(3).
		WithTarget(query(dedup(`spotcheck_pass_rate_ratio{tier=~"$tier", window="$window"}`), "pass rate")).
		WithTarget(query(dedup(`spotcheck_pass_rate_lower_ratio{tier=~"$tier", window="$window"}`), "lower bound")).
		WithTarget(query(dedup(`spotcheck_pass_rate_upper_ratio{tier=~"$tier", window="$window"}`), "upper bound")).
		WithTarget(query(dedup(`spotcheck_pass_rate_target_ratio{tier=~"$tier"}`), "target")).
		Unit("percentunit").AxisSoftMax(1).
		OverrideByName("upper bound", []dashboard.DynamicConfigValue{
			{Id: "custom.fillBelowTo", Value: "lower bound"},
			{Id: "custom.fillOpacity", Value: 20},
			{Id: "custom.lineWidth", Value: 0},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}},
		}).
		OverrideByName("lower bound", []dashboard.DynamicConfigValue{
			{Id: "custom.lineWidth", Value: 0},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}},
		}).
		OverrideByName("pass rate", []dashboard.DynamicConfigValue{
			{Id: "custom.lineWidth", Value: 2},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "dark-blue"}},
		}).
		OverrideByName("target", []dashboard.DynamicConfigValue{
			{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}},
		}))

	b.WithRow(dashboard.NewRowBuilder("Where: industries and counties"))
	b.WithPanel(rateTable("Per industry in $window", "industry",
		"spotcheck_industry_pass_rate", `tier=~"$tier", industry=~"$industry", window="$window"`,
		`sum without (category, county) (`+dedup("spotcheck_window_batches{"+cellFilter+"}")+`)`,
		`sum without (category, county) (`+dedup("spotcheck_window_failed_batches{"+cellFilter+"}")+`)`))
	b.WithPanel(rateTable("Per county in $window", "county",
		"spotcheck_county_pass_rate", `tier=~"$tier", county=~"$county", window="$window"`,
		`sum without (industry, category) (`+dedup("spotcheck_window_batches{"+cellFilter+"}")+`)`,
		`sum without (industry, category) (`+dedup("spotcheck_window_failed_batches{"+cellFilter+"}")+`)`))

	b.WithRow(dashboard.NewRowBuilder("Trend"))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Pass rate over 30 days and over 365 days").
		Description("A 30d rate well under the 365d rate is a falling pass rate (the SpotcheckPassRateFalling alert).").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(dedup(`spotcheck_pass_rate_ratio{tier=~"$tier", window=~"30d|365d"}`), "{{tier}} {{window}}")).
		WithTarget(query(dedup(`spotcheck_pass_rate_target_ratio{tier=~"$tier"}`), "{{tier}} target")).
		Unit("percentunit").AxisSoftMax(1).
		OverrideByRegexp(".* target", []dashboard.DynamicConfigValue{
			{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		}))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Results recorded per day").
		Description("Results recorded by any replica or import, per day at the current pace, and the failed ones.").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`sum by (tier) (`+dedup(`rate(spotcheck_results_total{tier=~"$tier", industry=~"$industry"}[$__rate_interval])`)+`) * 86400`, "{{tier}}")).
		WithTarget(query(`sum by (tier) (`+dedup(`rate(spotcheck_failed_results_total{tier=~"$tier", industry=~"$industry"}[$__rate_interval])`)+`) * 86400`, "{{tier}} failed")).
		Unit("short").Min(0))

	b.WithRow(dashboard.NewRowBuilder("Batches and tasks"))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Batches tested in $window by industry").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`sum by (industry) (`+dedup("spotcheck_window_batches{"+cellFilter+"}")+`)`, "{{industry}}")).
		WithTarget(query(`sum by (industry) (`+dedup("spotcheck_window_failed_batches{"+cellFilter+"}")+`)`, "{{industry}} failed")).
		Unit("short").Min(0))
	b.WithPanel(stat.NewPanelBuilder().
		Title("Tasks by state").
		Description("Assigned tasks not yet due, tested tasks, and overdue tasks: assigned and past their due date without a result.").
		Datasource(datasource).Height(8).Span(6).
		WithTarget(query(dedup("spotcheck_tasks"), "{{state}}").Instant()).
		ColorMode(common.BigValueColorModeValue).
		GraphMode(common.BigValueGraphModeNone).
		TextMode(common.BigValueTextModeValueAndName).
		OverrideByName("overdue", []dashboard.DynamicConfigValue{
			{Id: "thresholds", Value: map[string]any{"mode": "absolute", "steps": []map[string]any{
				{"value": nil, "color": "green"}, {"value": 1, "color": "red"}}}},
		}))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Tasks over time").
		Datasource(datasource).Height(8).Span(6).
		WithTarget(query(dedup("spotcheck_tasks"), "{{state}}")).
		Unit("short").Min(0).
		OverrideByName("overdue", []dashboard.DynamicConfigValue{
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}},
		}))

	b.WithRow(dashboard.NewRowBuilder("Scheduler"))
	b.WithPanel(table.NewPanelBuilder().
		Title("Schedules").
		Description("Per schedule: time since its last plan, its interval, and how far past its next nominal fire it is (lag; 0 when on time). The SpotcheckPlansNotMade alert fires past twice the interval.").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(instant(`time() - `+dedup("spotcheck_schedule_last_success_timestamp_seconds"), "A")).
		WithTarget(instant(dedup("spotcheck_schedule_interval_seconds"), "B")).
		WithTarget(instant(`clamp_min(time() - `+dedup("spotcheck_schedule_next_fire_timestamp_seconds")+`, 0)`, "C")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "job": true},
			"renameByName": map[string]string{
				"schedule": "Schedule", "Value #A": "Since last plan", "Value #B": "Interval", "Value #C": "Lag",
			},
		}}).
		Footer(noFooter()).
		Unit("s"))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Fires missed and failed in the last hour").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`sum without (instance) (increase(spotcheck_schedule_missed_fires_total[1h]))`, "{{schedule}} missed")).
		WithTarget(query(`sum without (instance, kind, result) (increase(spotcheck_schedule_runs_total{result=~"failed|error"}[1h]))`, "{{schedule}} failed")).
		Unit("short").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Time to make a plan (95th percentile)").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`histogram_quantile(0.95, sum without (instance) (rate(spotcheck_schedule_run_duration_seconds_bucket[$__rate_interval])))`, "{{schedule}}")).
		Unit("s").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Plans made per hour").
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`sum without (instance, kind, result) (increase(spotcheck_schedule_runs_total{result="made"}[1h]))`, "{{schedule}}")).
		Unit("short").Min(0))

	b.WithRow(dashboard.NewRowBuilder("Service"))
	b.WithPanel(stat.NewPanelBuilder().
		Title("Replicas up").
		Datasource(datasource).Height(6).Span(4).
		WithTarget(query(`sum(up{job="spotcheck"})`, "up").Instant()).
		Thresholds(thresholds("red", 1.0, "green")).
		ColorMode(common.BigValueColorModeBackground).
		GraphMode(common.BigValueGraphModeNone))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("Snapshot age").
		Description("Seconds since each replica refreshed its in-memory snapshot; it refreshes after every write and every refresh interval.").
		Datasource(datasource).Height(6).Span(6).
		WithTarget(query(`time() - spotcheck_snapshot_timestamp_seconds`, "{{instance}}")).
		Unit("s").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("HTTP requests").
		Datasource(datasource).Height(6).Span(7).
		WithTarget(query(`sum by (route, code) (rate(spotcheck_http_requests_total[$__rate_interval]))`, "{{route}} {{code}}")).
		Unit("reqps").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title("HTTP latency (95th percentile)").
		Datasource(datasource).Height(6).Span(7).
		WithTarget(query(`histogram_quantile(0.95, sum by (route, le) (rate(spotcheck_http_request_duration_seconds_bucket[$__rate_interval])))`, "{{route}}")).
		Unit("s").Min(0))
	return b.Build()
}

// headStat is a stat panel of the top row: one value per series of expr,
// named by legend.
func headStat(title, description, expr, legend string) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).Description(description).
		Datasource(datasource).Height(5).Span(6).
		WithTarget(query(expr, legend).Instant()).
		TextMode(common.BigValueTextModeValueAndName).
		GraphMode(common.BigValueGraphModeNone)
}

// rateTable is a table of the rate rows grouped by key (industry or
// county) with their bounds, batches and status, the status cell coloured.
func rateTable(title, key, prefix, filter, batches, failed string) *table.PanelBuilder {
	sel := func(suffix string) string { return dedup(prefix + suffix + "{" + filter + "}") }
	return table.NewPanelBuilder().
		Title(title).
		Description("Each "+key+"'s pass rate per tier with its one-sided 95% bounds, the probability that it is below the tier's target, the batches behind it, and its status (red: missed, orange: at risk, green: met).").
		Datasource(datasource).Height(10).Span(12).
		WithTarget(instant(sel("_ratio"), "A")).
		WithTarget(instant(sel("_lower_ratio"), "B")).
		WithTarget(instant(sel("_upper_ratio"), "C")).
		WithTarget(instant(sel("_below_target_probability"), "D")).
		WithTarget(instant(batches, "E")).
		WithTarget(instant(failed, "F")).
		WithTarget(instant(statusExpr(prefix+"_status", filter), "G")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "job": true, "window": true},
			"renameByName": map[string]string{
				key: strings.ToUpper(key[:1]) + key[1:], "tier": "Tier",
				"Value #A": "Pass rate", "Value #B": "Lower bound", "Value #C": "Upper bound",
				"Value #D": "P(below target)", "Value #E": "Batches", "Value #F": "Failed", "Value #G": "Status",
			},
			"indexByName": map[string]int{
				key: 0, "tier": 1, "Value #G": 2, "Value #A": 3, "Value #B": 4, "Value #C": 5, "Value #D": 6, "Value #E": 7, "Value #F": 8,
			},
		}}).
		Footer(noFooter()).
		Unit("percentunit").Decimals(1).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("Upper bound")}).
		OverrideByName("Status", []dashboard.DynamicConfigValue{
			{Id: "mappings", Value: statusMappings()},
			{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background", "mode": "basic"}},
		}).
		OverrideByRegexp("Batches|Failed", []dashboard.DynamicConfigValue{
			{Id: "unit", Value: "short"},
			{Id: "decimals", Value: 0},
		})
}

// noFooter hides a table's footer; the SDK's default leaves its reducer
// null, which a strict reader rejects.
func noFooter() *common.TableFooterOptionsBuilder {
	return common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{})
}

// labelVariable is a dashboard variable over the values of label in the
// series of selector, showing current at first; multi-valued ones include
// All (any value) and show it at first.
func labelVariable(label, title, selector string, multi bool, current string) *dashboard.QueryVariableBuilder {
	q := fmt.Sprintf("label_values(%s, %s)", selector, label)
	v := dashboard.NewQueryVariableBuilder(label).
		Label(title).
		Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).
		Definition(q).
		Datasource(datasource).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc)
	text, value := current, current
	if multi {
		v = v.Multi(true).IncludeAll(true).AllValue(".*")
		text, value = "All", "$__all"
	}
	return v.Current(dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{String: cog.ToPtr(text)},
		Value: dashboard.StringOrArrayOfString{String: cog.ToPtr(value)},
	})
}

// JSON returns the dashboard as Grafana provisions it.
func JSON() ([]byte, error) {
	d, err := Dashboard()
	if err != nil {
		return nil, fmt.Errorf("build dashboard: %w", err)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dashboard: %w", err)
	}
	return append(out, '\n'), nil
}
