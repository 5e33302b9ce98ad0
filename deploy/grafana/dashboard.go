// Package grafana builds spotcheck's Grafana dashboard as code, with the
// Grafana Foundation SDK, in Chinese and in English from the same code. The
// JSON that Grafana provisions, dashboards/spotcheck.json (Chinese) and
// dashboards/spotcheck-en.json, is its output: regenerate it with
//
//	go test ./deploy/grafana -update
//
// and a test fails while a committed file differs from what the code
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

// UID is the Chinese dashboard's stable uid: links and provisioning rely on
// it. The English board's is UID + "-en".
const UID = "spotcheck"

// UIDOf returns the uid of the board in lang.
func UIDOf(lang Language) string {
	if lang == Chinese {
		return UID
	}
	return UID + "-" + string(lang)
}

// datasource is the data source of every panel: the dashboard's
// datasource variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// Filters that panels apply from the dashboard's variables. $industry and
// $county are single values or All (".*"): selectors that match them
// exactly (industry="$industry") select nothing under All, and the gates
// below are empty unless All is chosen.
const (
	cellFilter = `tier=~"$tier", industry=~"$industry", county=~"$county", window="$window"`
	// allIndustries and allCounties are 1 while the variable is All.
	allIndustries = `absent(spotcheck_industry_info{industry="$industry"})`
	allCounties   = `absent(spotcheck_window_batches{county="$county"})`
)

// dedup is PromQL that counts the replicas' identical series once.
func dedup(selector string) string { return "max without (instance) (" + selector + ")" }

// scoped returns the rows of a rate family (suffix: _ratio, _upper_ratio,
// _status, …) for the chosen tiers in the windows that window matches,
// narrowed to $industry and $county: the tier rows when neither is chosen,
// the industry's or the county's rows when one is, the rows of the industry
// in the county when both are. Each row keeps the labels tier and window
// (and job); drop names labels to drop besides instance, extra more
// matchers.
func scoped(suffix, window, drop, extra string) string {
	base := `tier=~"$tier", window` + window + extra
	f := func(metric, labels, filter string) string {
		return "max without (instance" + labels + drop + ") (" + metric + suffix + "{" + filter + "})"
	}
	return "(" + f("spotcheck_pass_rate", "", base) + " and on () " + allIndustries + " and on () " + allCounties + ")" +
		" or (" + f("spotcheck_industry_pass_rate", ", industry", base+`, industry="$industry"`) + " and on () " + allCounties + ")" +
		" or (" + f("spotcheck_county_pass_rate", ", county", base+`, county="$county"`) + " and on () " + allIndustries + ")" +
		" or " + f("spotcheck_industry_county_pass_rate", ", industry, county", base+`, industry="$industry", county="$county"`)
}

// headline is scoped in the chosen window.
func headline(suffix string) string { return scoped(suffix, `="$window"`, "", "") }

// statusOf encodes the status of rate rows from rows(matcher) as 2 met,
// 1 at risk, 0 missed, for value mappings to colour; rows must drop the
// status label.
func statusOf(rows func(status string) string) string {
	return "2 * (" + rows(`, status="met"`) + ") + (" + rows(`, status="at_risk"`) + ")"
}

// statusMappings show the encoded status as words on its colour.
func statusMappings(tx texts) []dashboard.ValueMapping {
	return valueText(map[string][2]string{"2": {tx.met, "green"}, "1": {tx.atRisk, "orange"}, "0": {tx.missed, "red"}})
}

// valueText maps values to words on colours.
func valueText(m map[string][2]string) []dashboard.ValueMapping {
	opts := map[string]dashboard.ValueMappingResult{}
	for v, tc := range m {
		opts[v] = dashboard.ValueMappingResult{Text: cog.ToPtr(tc[0]), Color: cog.ToPtr(tc[1])}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: opts}}}
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

// withIndustryName adds the industry's configured name to rows that carry
// an industry label.
func withIndustryName(expr string) string {
	return "(" + expr + ") * on (job, industry) group_left (industry_name) " + dedup("spotcheck_industry_info")
}

// Dashboard builds the spotcheck dashboard in the Chinese original.
func Dashboard() (dashboard.Dashboard, error) { return DashboardIn(Chinese) }

// DashboardIn builds the spotcheck dashboard with its words in lang; the
// queries are the same in every language.
func DashboardIn(lang Language) (dashboard.Dashboard, error) {
	tx := textsOf(lang)
	b := dashboard.NewDashboardBuilder(tx.title).
		Uid(UIDOf(lang)).
		Description(tx.description).
		Tags([]string{"spotcheck"}).
		Refresh("1m").
		Time("now-7d", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus")).
		WithVariable(labelVariable("window", tx.window, "spotcheck_pass_rate_ratio", false, "365d")).
		WithVariable(labelVariable("tier", tx.tier, "spotcheck_pass_rate_target_ratio", true, "")).
		WithVariable(nameVariable("industry", tx.industry, `spotcheck_industry_info`, `/industry="(?<value>[^"]*)",industry_name="(?<text>[^"]*)"/`)).
		WithVariable(labelVariable("county", tx.county, `spotcheck_window_batches{tier=~"$tier", industry=~"$industry"}`, false, "").
			IncludeAll(true).AllValue(".*").Current(allOption()))

	b.WithRow(dashboard.NewRowBuilder(tx.rowRates))
	b.WithPanel(headStat(tx.status, tx.statusHelp,
		statusOf(func(m string) string { return scoped("_status", `="$window"`, ", status", m) }), "{{tier}}").
		Mappings(statusMappings(tx)).
		ColorMode(common.BigValueColorModeBackground))
	b.WithPanel(headStat(tx.rate, tx.rateHelp, headline("_ratio"), "{{tier}}").
		Unit("percentunit").Decimals(1).
		ColorMode(common.BigValueColorModeNone))
	b.WithPanel(headStat(tx.below, tx.belowHelp, headline("_below_target_probability"), "{{tier}}").
		Unit("percentunit").Decimals(0).Min(0).Max(1).
		Thresholds(thresholds("green", 0.5, "orange", 0.95, "red")).
		ColorMode(common.BigValueColorModeBackground))
	stability := func(s string) string {
		return `max without (instance, status) (spotcheck_stability_status{status="` + s + `", tier=~"$tier"})`
	}
	b.WithPanel(headStat(tx.stability, notBy(tx, tx.stabilityHelp, tx.whyStability, "window"),
		"(2 * "+stability("stable")+" + "+stability("insufficient")+") and on () "+allIndustries+" and on () "+allCounties, "{{tier}}").
		Mappings(valueText(map[string][2]string{"2": {tx.stable, "green"}, "1": {tx.insufficient, "blue"}, "0": {tx.unstable, "red"}})).
		ColorMode(common.BigValueColorModeBackground))

	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.bandTitle).
		Description(tx.bandHelp).
		Datasource(datasource).Height(9).Span(8).
		Repeat("tier").RepeatDirection(dashboard.PanelRepeatDirectionH).MaxPerRow(3).
		WithTarget(query(headline("_ratio"), tx.passRate)).
		WithTarget(query(headline("_lower_ratio"), tx.lower)).
		WithTarget(query(headline("_upper_ratio"), tx.upper)).
		WithTarget(query(dedup(`spotcheck_pass_rate_target_ratio{tier=~"$tier"}`), tx.target)).
		Unit("percentunit").AxisSoftMax(1).
		OverrideByName(tx.upper, []dashboard.DynamicConfigValue{
			{Id: "custom.fillBelowTo", Value: tx.lower},
			{Id: "custom.fillOpacity", Value: 20},
			{Id: "custom.lineWidth", Value: 0},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}},
		}).
		OverrideByName(tx.lower, []dashboard.DynamicConfigValue{
			{Id: "custom.lineWidth", Value: 0},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}},
		}).
		OverrideByName(tx.passRate, []dashboard.DynamicConfigValue{
			{Id: "custom.lineWidth", Value: 2},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "dark-blue"}},
		}).
		OverrideByName(tx.target, []dashboard.DynamicConfigValue{
			{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}},
		}))

	b.WithRow(dashboard.NewRowBuilder(tx.rowWhere))
	// An industry's rows: the whole industry, or within the chosen county.
	industryRows := func(suffix, drop, extra string) string {
		return withIndustryName("(max without (instance" + drop + ") (spotcheck_industry_pass_rate" + suffix +
			`{tier=~"$tier", industry=~"$industry", window="$window"` + extra + `}) and on () ` + allCounties + ")" +
			" or max without (instance, county" + drop + ") (spotcheck_industry_county_pass_rate" + suffix +
			`{tier=~"$tier", industry=~"$industry", county="$county", window="$window"` + extra + "})")
	}
	countyRows := func(suffix, drop, extra string) string {
		return "(max without (instance" + drop + ") (spotcheck_county_pass_rate" + suffix +
			`{tier=~"$tier", county=~"$county", window="$window"` + extra + `}) and on () ` + allIndustries + ")" +
			" or max without (instance, industry" + drop + ") (spotcheck_industry_county_pass_rate" + suffix +
			`{tier=~"$tier", industry="$industry", county=~"$county", window="$window"` + extra + "})"
	}
	b.WithPanel(rateTable(tx, tx.perIndustry, "industry_name", tx.colIndustry, []string{"industry"}, industryRows,
		withIndustryName(`sum without (category, county) (`+dedup("spotcheck_window_batches{"+cellFilter+"}")+`)`),
		withIndustryName(`sum without (category, county) (`+dedup("spotcheck_window_failed_batches{"+cellFilter+"}")+`)`)))
	b.WithPanel(rateTable(tx, tx.perCounty, "county", tx.colCounty, nil, countyRows,
		`sum without (industry, category) (`+dedup("spotcheck_window_batches{"+cellFilter+"}")+`)`,
		`sum without (industry, category) (`+dedup("spotcheck_window_failed_batches{"+cellFilter+"}")+`)`))
	b.WithPanel(categoryTable(tx))

	b.WithRow(dashboard.NewRowBuilder(tx.rowTrend))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.trendTitle).
		Description(tx.trendHelp).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(scoped("_ratio", `=~"30d|$window"`, "", ""), "{{tier}} {{window}}")).
		WithTarget(query(dedup(`spotcheck_pass_rate_target_ratio{tier=~"$tier"}`), "{{tier}} "+tx.target)).
		Unit("percentunit").AxisSoftMax(1).
		OverrideByRegexp(".* "+tx.target, []dashboard.DynamicConfigValue{
			{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		}))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.recordedTitle).
		Description(notBy(tx, tx.recordedHelp, tx.whyPerDay, "window")).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`sum by (tier) (`+dedup(`rate(spotcheck_results_total{tier=~"$tier", industry=~"$industry", county=~"$county"}[$__rate_interval])`)+`) * 86400`, "{{tier}}")).
		WithTarget(query(`sum by (tier) (`+dedup(`rate(spotcheck_failed_results_total{tier=~"$tier", industry=~"$industry", county=~"$county"}[$__rate_interval])`)+`) * 86400`, "{{tier}} "+tx.failed)).
		Unit("short").Min(0))

	b.WithRow(dashboard.NewRowBuilder(tx.rowBatches))
	tasks := `sum by (state) (` + dedup(`spotcheck_tasks{tier=~"$tier", industry=~"$industry", county=~"$county"}`) + `)`
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.batchesTitle).
		Description(tx.batchesHelp).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`sum by (industry_name) (`+withIndustryName(dedup("spotcheck_window_batches{"+cellFilter+"}"))+`)`, "{{industry_name}}")).
		WithTarget(query(`sum by (industry_name) (`+withIndustryName(dedup("spotcheck_window_failed_batches{"+cellFilter+"}"))+`)`, "{{industry_name}} "+tx.failed)).
		Unit("short").Min(0))
	b.WithPanel(stat.NewPanelBuilder().
		Title(tx.tasksTitle).
		Description(notBy(tx, tx.tasksHelp, tx.whyNow, "window")).
		Datasource(datasource).Height(8).Span(6).
		WithTarget(query(tasks, "{{state}}").Instant()).
		ColorMode(common.BigValueColorModeValue).
		GraphMode(common.BigValueGraphModeNone).
		TextMode(common.BigValueTextModeValueAndName).
		OverrideByName("overdue", []dashboard.DynamicConfigValue{
			{Id: "thresholds", Value: map[string]any{"mode": "absolute", "steps": []map[string]any{
				{"value": nil, "color": "green"}, {"value": 1, "color": "red"}}}},
		}))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.tasksOver).
		Description(notBy(tx, tx.tasksHelp, tx.whyOverTime, "window")).
		Datasource(datasource).Height(8).Span(6).
		WithTarget(query(tasks, "{{state}}")).
		Unit("short").Min(0).
		OverrideByName("overdue", []dashboard.DynamicConfigValue{
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}},
		}))

	// The scheduler's series narrowed to the schedules of $industry.
	ofIndustry := func(expr string) string {
		return "(" + expr + `) and on (job, schedule) spotcheck_schedule_info{industry=~"$industry"}`
	}
	b.WithRow(dashboard.NewRowBuilder(tx.rowSched))
	b.WithPanel(table.NewPanelBuilder().
		Title(tx.schedTitle).
		Description(notBy(tx, tx.schedHelp, tx.whySchedule, "tier", "county", "window")).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(instant(ofIndustry(`time() - `+dedup("spotcheck_schedule_last_success_timestamp_seconds")), "A")).
		WithTarget(instant(ofIndustry(dedup("spotcheck_schedule_interval_seconds")), "B")).
		WithTarget(instant(ofIndustry(`clamp_min(time() - `+dedup("spotcheck_schedule_next_fire_timestamp_seconds")+`, 0)`), "C")).
		WithTarget(instant(ofIndustry(`(time() - `+dedup("spotcheck_schedule_paused_since_timestamp_seconds")+
			`) * on (job, schedule) group_left (paused_by, reason) `+dedup("spotcheck_schedule_pause_info")), "D")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "job": true},
			"renameByName": map[string]string{
				"schedule": tx.colSchedule, "Value #A": tx.colSince, "Value #B": tx.colInterval, "Value #C": tx.colLag,
				"Value #D": tx.colPaused, "paused_by": tx.colPausedBy, "reason": tx.colReason,
			},
		}}).
		Footer(noFooter()).
		Unit("s"))
	executed := func(outcome, refID string) *prometheus.DataqueryBuilder {
		return instant(ofIndustry(`max without (instance, outcome) (spotcheck_plan_tasks{window="$window", outcome="`+outcome+`"})`), refID)
	}
	b.WithPanel(table.NewPanelBuilder().
		Title(tx.execTitle).
		Description(notBy(tx, tx.execHelp, tx.whyExecution, "tier", "county")).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(executed("planned", "A")).
		WithTarget(executed("tested", "B")).
		WithTarget(executed("refused", "C")).
		WithTarget(executed("lapsed", "D")).
		WithTarget(executed("open", "E")).
		WithTarget(instant(ofIndustry(dedup(`spotcheck_plan_execution_ratio{window="$window"}`)), "F")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "job": true, "window": true},
			"renameByName": map[string]string{
				"schedule": tx.colSchedule, "Value #A": tx.colPlanned, "Value #B": tx.colTested, "Value #C": tx.colRefused,
				"Value #D": tx.colLapsed, "Value #E": tx.colOpen, "Value #F": tx.colExecuted,
			},
		}}).
		Footer(noFooter()).
		Unit("short").
		OverrideByName(tx.colExecuted, []dashboard.DynamicConfigValue{
			{Id: "unit", Value: "percentunit"},
			{Id: "decimals", Value: 1},
		}))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.firesTitle).
		Description(notBy(tx, tx.firesHelp, tx.whyFires, "tier", "county", "window")).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(ofIndustry(`sum without (instance) (increase(spotcheck_schedule_missed_fires_total[1h]))`), "{{schedule}} "+tx.missedFires)).
		WithTarget(query(ofIndustry(`sum without (instance, kind, result) (increase(spotcheck_schedule_runs_total{result=~"failed|error"}[1h]))`), "{{schedule}} "+tx.failedFires)).
		Unit("short").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.durationTitle).
		Description(notBy(tx, tx.firesHelp, tx.whyFires, "tier", "county", "window")).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(`histogram_quantile(0.95, sum without (instance) (rate(spotcheck_schedule_run_duration_seconds_bucket[$__rate_interval])) and on (job, schedule) spotcheck_schedule_info{industry=~"$industry"})`, "{{schedule}}")).
		Unit("s").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.plansTitle).
		Description(notBy(tx, tx.firesHelp, tx.whyFires, "tier", "county", "window")).
		Datasource(datasource).Height(8).Span(12).
		WithTarget(query(ofIndustry(`sum without (instance, kind, result) (increase(spotcheck_schedule_runs_total{result="made"}[1h]))`), "{{schedule}}")).
		Unit("short").Min(0))

	b.WithRow(dashboard.NewRowBuilder(tx.rowSvc))
	b.WithPanel(stat.NewPanelBuilder().
		Title(tx.upTitle).
		Description(notBy(tx, tx.upHelp, tx.whyService, "window", "tier", "industry", "county")).
		Datasource(datasource).Height(6).Span(4).
		WithTarget(query(`sum(up{job="spotcheck"})`, "up").Instant()).
		Thresholds(thresholds("red", 1.0, "green")).
		ColorMode(common.BigValueColorModeBackground).
		GraphMode(common.BigValueGraphModeNone))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.ageTitle).
		Description(notBy(tx, tx.ageHelp, tx.whyService, "window", "tier", "industry", "county")).
		Datasource(datasource).Height(6).Span(6).
		WithTarget(query(`time() - spotcheck_snapshot_timestamp_seconds`, "{{instance}}")).
		Unit("s").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.httpTitle).
		Description(notBy(tx, "", tx.whyService, "window", "tier", "industry", "county")).
		Datasource(datasource).Height(6).Span(7).
		WithTarget(query(`sum by (route, code) (rate(spotcheck_http_requests_total[$__rate_interval]))`, "{{route}} {{code}}")).
		Unit("reqps").Min(0))
	b.WithPanel(timeseries.NewPanelBuilder().
		Title(tx.latencyTitle).
		Description(notBy(tx, "", tx.whyService, "window", "tier", "industry", "county")).
		Datasource(datasource).Height(6).Span(7).
		WithTarget(query(`histogram_quantile(0.95, sum by (route, le) (rate(spotcheck_http_request_duration_seconds_bucket[$__rate_interval])))`, "{{route}}")).
		Unit("s").Min(0))
	return b.Build()
}

// notBy is a panel's description help followed by the variables (names of
// the dashboard's variables) that do not narrow the panel, and why.
func notBy(tx texts, help, why string, vars ...string) string {
	titles := make([]string, len(vars))
	for i, v := range vars {
		titles[i] = tx.variableTitle(v)
	}
	if help != "" && !strings.HasSuffix(help, "。") {
		help += " "
	}
	return help + fmt.Sprintf(tx.notBy, strings.Join(titles, tx.listSep)) + why
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

// rateTable is a table of rate rows grouped by key (industry_name or
// county) with their bounds, batches and status, the status cell
// coloured; rows(suffix, drop, extra) gives the rows of a rate family, and
// hidden names label columns to leave out.
func rateTable(tx texts, title, key, keyTitle string, hidden []string, rows func(suffix, drop, extra string) string, batches, failed string) *table.PanelBuilder {
	sel := func(suffix string) string { return rows(suffix, "", "") }
	exclude := map[string]bool{"Time": true, "job": true, "window": true}
	for _, h := range hidden {
		exclude[h] = true
	}
	return table.NewPanelBuilder().
		Title(title).
		Description(tx.tableHelp).
		Datasource(datasource).Height(10).Span(12).
		WithTarget(instant(sel("_ratio"), "A")).
		WithTarget(instant(sel("_lower_ratio"), "B")).
		WithTarget(instant(sel("_upper_ratio"), "C")).
		WithTarget(instant(sel("_below_target_probability"), "D")).
		WithTarget(instant(batches, "E")).
		WithTarget(instant(failed, "F")).
		WithTarget(instant(statusOf(func(m string) string { return rows("_status", ", status", m) }), "G")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": exclude,
			"renameByName": map[string]string{
				key: keyTitle, "tier": tx.colTier,
				"Value #A": tx.colRate, "Value #B": tx.colLower, "Value #C": tx.colUpper,
				"Value #D": tx.colBelow, "Value #E": tx.colBatches, "Value #F": tx.colFailed, "Value #G": tx.colStatus,
			},
			"indexByName": map[string]int{
				key: 0, "tier": 1, "Value #G": 2, "Value #A": 3, "Value #B": 4, "Value #C": 5, "Value #D": 6, "Value #E": 7, "Value #F": 8,
			},
		}}).
		Footer(noFooter()).
		Unit("percentunit").Decimals(1).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(tx.colUpper)}).
		OverrideByName(tx.colStatus, []dashboard.DynamicConfigValue{
			{Id: "mappings", Value: statusMappings(tx)},
			{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background", "mode": "basic"}},
		}).
		OverrideByRegexp(tx.colBatches+"|"+tx.colFailed, []dashboard.DynamicConfigValue{
			{Id: "unit", Value: "short"},
			{Id: "decimals", Value: 0},
		})
}

// categoryTable is the categories' pass rates, tested and failed batches,
// computed from the batch counts so that every variable applies, with the
// configured names of the industry and category.
func categoryTable(tx texts) *table.PanelBuilder {
	names := " * on (job, industry, category) group_left (industry_name, category_name) max without (instance, tier) (spotcheck_category_info)"
	sum := func(metric string) string {
		return "sum without (county) (" + dedup(metric+"{"+cellFilter+"}") + ")"
	}
	return table.NewPanelBuilder().
		Title(tx.perCategory).
		Description(tx.categoryHelp).
		Datasource(datasource).Height(10).Span(24).
		WithTarget(instant("(1 - "+sum("spotcheck_window_failed_batches")+" / "+sum("spotcheck_window_batches")+")"+names, "A")).
		WithTarget(instant(sum("spotcheck_window_batches")+names, "E")).
		WithTarget(instant(sum("spotcheck_window_failed_batches")+names, "F")).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "job": true, "window": true, "industry": true, "category": true},
			"renameByName": map[string]string{
				"industry_name": tx.colIndustry, "category_name": tx.colCategory, "tier": tx.colTier,
				"Value #A": tx.colRate, "Value #E": tx.colBatches, "Value #F": tx.colFailed,
			},
			"indexByName": map[string]int{"industry_name": 0, "category_name": 1, "tier": 2, "Value #A": 3, "Value #E": 4, "Value #F": 5},
		}}).
		Footer(noFooter()).
		Unit("percentunit").Decimals(1).
		OverrideByRegexp(tx.colBatches+"|"+tx.colFailed, []dashboard.DynamicConfigValue{
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

// allOption is the current value All of a variable that includes it.
func allOption() dashboard.VariableOption {
	return dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{String: cog.ToPtr("All")},
		Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")},
	}
}

// nameVariable is a single-valued variable over the series of an info
// metric, whose regex takes each value (the id, for queries) and its text
// (the configured name, for people); it includes All (".*").
func nameVariable(name, title, metric, regex string) *dashboard.QueryVariableBuilder {
	q := fmt.Sprintf("query_result(%s)", metric)
	return dashboard.NewQueryVariableBuilder(name).
		Label(title).
		Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).
		Definition(q).
		Regex(regex).
		Datasource(datasource).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		IncludeAll(true).AllValue(".*").
		Current(allOption())
}

// JSON returns the Chinese dashboard as Grafana provisions it.
func JSON() ([]byte, error) { return JSONIn(Chinese) }

// JSONIn returns the dashboard in lang as Grafana provisions it.
func JSONIn(lang Language) ([]byte, error) {
	d, err := DashboardIn(lang)
	if err != nil {
		return nil, fmt.Errorf("build dashboard: %w", err)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dashboard: %w", err)
	}
	return append(out, '\n'), nil
}
