package bulletin

import (
	"fmt"
	"strings"

	"spotcheck/sampling"
)

// Languages of a bulletin: Simplified Chinese by default.
const (
	LangZH = "zh"
	LangEN = "en"
)

// Langs lists the languages a bulletin is written in.
func Langs() []string { return []string{LangZH, LangEN} }

// words returns the texts of a bulletin in lang. Built on each call, so
// that no package state can be changed.
func words(lang string) map[string]string {
	if lang == LangEN {
		return map[string]string{
			"lang":                LangEN,
			"title":               "Product quality spot-check bulletin",
			"title_public":        "Product quality spot-check bulletin (public version)",
			"period_year":         "%s",
			"period_quarter":      "Q%[2]s %[1]s",
			"period_month":        "%s",
			"provisional":         "Provisional: the period is not over. Figures as of %s; they will change.",
			"covers":              "Covers results counted from %s to %s (time zone %s). Made %s.",
			"s_headline":          "1. Pass rates against the targets",
			"s_trend":             "2. Trend over twelve months",
			"s_where":             "3. Where batches failed",
			"s_industry":          "3.1 By industry",
			"s_county":            "3.2 By county",
			"s_execution":         "4. Execution of the plans",
			"s_failures":          "5. Non-conforming products",
			"s_changes":           "6. Changes since %s",
			"s_methods":           "7. Methods",
			"tier":                "Tier",
			"industry":            "Industry",
			"county":              "County",
			"batches":             "Batches",
			"failed":              "Failed",
			"rate":                "Pass rate",
			"bounds":              "95% bounds",
			"target":              "Target",
			"status":              "Status",
			"this_period":         "This period",
			"ytd":                 "Year to date",
			"stability":           "Stability of %s (target met %s): %s",
			"schedule":            "Schedule",
			"planned":             "Planned",
			"tested":              "Tested",
			"refused":             "Refused",
			"lapsed":              "Lapsed",
			"pending":             "Pending",
			"executed":            "Carried out",
			"no_execution":        "No plans were made for fires in this period.",
			"exec_public":         "Closed plans only: open plans are confidential until the inspection is done.",
			"exec_note":           "Carried out = tested ÷ (tested + refused + lapsed); open tasks are not counted in it.",
			"no":                  "No.",
			"enterprise":          "Enterprise",
			"category":            "Product",
			"failed_items":        "Failed items",
			"report_no":           "Report no.",
			"no_failures":         "No final failed batch to name.",
			"unnamed":             "%d failed batches are counted in the rates above but not named: their results may still change on objection or retest.",
			"unnamed_open":        "%d failed batches are final but their plans are still open; they are named once the plans are published.",
			"no_changes":          "Nothing crossed its target, and no rate fell, since %s.",
			"no_previous":         "No batches in %s to compare with.",
			"ch_tier_up":          "%s reached the target: %s, from %s in %s (target %s).",
			"ch_tier_down":        "%s fell below the target: %s, from %s in %s (target %s).",
			"ch_county_up":        "%s reached the target for %s: %s, from %s (target %s).",
			"ch_county_down":      "%s fell below the target for %s: %s, from %s (target %s).",
			"ch_fall":             "Large fall: %s, %s, from %s to %s (down %s points).",
			"m_draw":              "Enterprises and inspectors were drawn at random (\"double random, one public\"). Each plan stores its seed, the digest of the frame it was drawn from and the algorithm; anyone can re-run the draw from its public record.",
			"m_records":           "Public draw records of this period's closed plans, each at %[1]s/public/plans/ID (as JSON at %[1]s/api/v1/public/plans/ID, which spotcheck plan verify --from FILE checks):",
			"m_no_records":        "No plan of this period is closed yet; their records are published when they close.",
			"m_bounds":            "The 95%% bounds show how far the true pass rate may lie from the observed one given the number of batches. A tier is \"met\" when its rate reaches the target with at least %d batches, \"missed\" when even the upper bound is below the target, and \"at risk\" otherwise (docs/rates.md).",
			"m_same":              "Figures are those of the rate statistics (rates) for the same days; a failed batch counts on the day it was first tested. A result is final once its objection period has passed or a retest decided it; only final failures are named.",
			"m_public":            "This public version leaves out open plans and the names of inspectors; its rates are the same.",
			"chart_trend":         "Figure %d. %s: monthly pass rate",
			"chart_industry":      "Figure %d. Pass rate by industry, furthest below target first",
			"chart_county":        "Figure %d. Pass rate by county, furthest below target first",
			"legend_rate":         "pass rate",
			"legend_band":         "95% bounds",
			"legend_target":       "target",
			"legend_below":        "below target",
			"legend_target_line":  "target line",
			"batches_s":           "Batches",
			"failed_s":            "Failed",
			"bounds_s":            "95% bounds",
			"bar_count":           "(n=%d)",
			"no_data":             "No batches in this period.",
			"page":                "Page",
			"of":                  "of",
			"tier_general":        "general products",
			"tier_key":            "key products",
			"tier_agri_input":     "agricultural inputs",
			"status_met":          "met",
			"status_at_risk":      "at risk",
			"status_missed":       "missed",
			"status_stable":       "stable",
			"status_unstable":     "unstable",
			"status_insufficient": "insufficient data",
		}
	}
	return map[string]string{
		"lang":                LangZH,
		"title":               "产品质量监督抽查情况通报",
		"title_public":        "产品质量监督抽查情况通报（公开版）",
		"period_year":         "%s年",
		"period_quarter":      "%s年第%s季度",
		"period_month":        "%s年%s月",
		"provisional":         "临时数据：本期尚未结束，数据截至%s，仍会变动。",
		"covers":              "统计范围：%s至%s计入的检验结果（时区 %s）。生成于%s。",
		"s_headline":          "一、合格率与目标",
		"s_trend":             "二、近十二个月走势",
		"s_where":             "三、不合格分布",
		"s_industry":          "（一）按行业",
		"s_county":            "（二）按县区",
		"s_execution":         "四、抽查计划执行情况",
		"s_failures":          "五、不合格产品",
		"s_changes":           "六、与%s相比的变化",
		"s_methods":           "七、方法说明",
		"tier":                "类别",
		"industry":            "行业",
		"county":              "县区",
		"batches":             "抽检批次",
		"failed":              "不合格批次",
		"rate":                "合格率",
		"bounds":              "95%置信区间",
		"target":              "目标",
		"status":              "状态",
		"this_period":         "本期",
		"ytd":                 "年初至今",
		"stability":           "%s稳定性（%s达到目标）：%s",
		"schedule":            "抽查计划",
		"planned":             "计划批次",
		"tested":              "已检验",
		"refused":             "拒检",
		"lapsed":              "未完成",
		"pending":             "进行中",
		"executed":            "完成率",
		"no_execution":        "本期没有生成抽查计划。",
		"exec_public":         "仅含已结束的计划：未结束的计划在抽查完成前保密。",
		"exec_note":           "完成率 = 已检验 ÷（已检验 + 拒检 + 未完成）；进行中的任务不计入。",
		"no":                  "序号",
		"enterprise":          "企业名称",
		"category":            "产品类别",
		"failed_items":        "不合格项目",
		"report_no":           "检验报告编号",
		"no_failures":         "本期没有可公布的最终不合格批次。",
		"unnamed":             "另有%d批次不合格已计入上述合格率，但尚在异议期或复检中，暂不公布企业名称。",
		"unnamed_open":        "另有%d批次不合格结果已确定，但所属抽查计划尚未结束，计划结束公开后公布。",
		"no_changes":          "与%s相比，没有类别或县区跨越目标，也没有合格率下降。",
		"no_previous":         "%s没有抽检批次，无从比较。",
		"ch_tier_up":          "%s合格率%s，由%s（%s）回升至目标（%s）以上。",
		"ch_tier_down":        "%s合格率%s，由%s（%s）降至目标（%s）以下。",
		"ch_county_up":        "%s%s合格率%s，由%s回升至目标（%s）以上。",
		"ch_county_down":      "%s%s合格率%s，由%s降至目标（%s）以下。",
		"ch_fall":             "降幅较大：%s（%s）由%s降至%s，下降%s个百分点。",
		"m_draw":              "本期抽查按“双随机、一公开”进行：随机抽取被检企业，随机选派检查人员。每份计划保存随机种子、抽样框摘要和算法版本，任何人都可以依据公开记录重新抽取、核对结果。",
		"m_records":           "本期已结束计划的公开抽取记录如下，每份位于 %[1]s/public/plans/计划编号（JSON 格式位于 %[1]s/api/v1/public/plans/计划编号，保存后可用 spotcheck plan verify --from 文件 核对）：",
		"m_no_records":        "本期计划均未结束；计划结束后公布其抽取记录。",
		"m_bounds":            "95%%置信区间表示在已抽检批次数下真实合格率可能的范围。合格率达到目标且抽检不少于%d批次为“达标”；置信上限仍低于目标为“未达标”；其余为“待观察”（见 docs/rates.md）。",
		"m_same":              "本通报数据与同一时段的合格率统计（rates）一致；不合格批次计入首次检验之日。检验结果在异议期满或复检判定后为最终结果；仅公布最终不合格结果的企业名称。",
		"m_public":            "本公开版不含未结束的计划及检查人员姓名，合格率数据与内部版相同。",
		"chart_trend":         "图%d %s月度合格率",
		"chart_industry":      "图%d 各行业合格率（距目标差距大的在前）",
		"chart_county":        "图%d 各县区合格率（距目标差距大的在前）",
		"legend_rate":         "合格率",
		"legend_band":         "95%置信区间",
		"legend_target":       "目标",
		"legend_below":        "低于目标",
		"legend_target_line":  "目标线",
		"batches_s":           "批次",
		"failed_s":            "不合格",
		"bounds_s":            "95%区间",
		"bar_count":           "（%d批）",
		"no_data":             "本期没有抽检批次。",
		"page":                "第",
		"of":                  "页，共",
		"tier_general":        "一般工业产品",
		"tier_key":            "重点产品",
		"tier_agri_input":     "主要农资",
		"status_met":          "达标",
		"status_at_risk":      "待观察",
		"status_missed":       "未达标",
		"status_stable":       "稳定",
		"status_unstable":     "不稳定",
		"status_insufficient": "样本不足",
	}
}

// lexicon is the texts of one language, with helpers the template calls.
type lexicon map[string]string

// T returns the text of key formatted with args.
func (t lexicon) T(key string, args ...any) string {
	s, ok := t[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Tier returns a tier's name: the default tiers' in words, others by id.
func (t lexicon) Tier(id string) string {
	if s, ok := t["tier_"+id]; ok {
		return s
	}
	return id
}

// Status returns a status in words.
func (t lexicon) Status(s string) string {
	if w, ok := t["status_"+s]; ok {
		return w
	}
	return s
}

// pct formats a ratio as a percentage with one decimal.
func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// bounds formats a row's bounds.
func bounds(r sampling.RateRow) string {
	return strings.TrimSuffix(pct(r.Lower), "%") + "–" + pct(r.Upper)
}
