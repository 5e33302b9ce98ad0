package grafana

// Language is the language of a board's titles, legends and descriptions.
type Language string

// The boards built: Chinese for the bureaus' staff, English beside it.
const (
	Chinese Language = "zh"
	English Language = "en"
)

// Languages returns the languages boards are built in, the default first.
func Languages() []Language { return []Language{Chinese, English} }

// texts are the words of one board. Each field is a title, legend or
// description; the queries are the same in every language.
type texts struct {
	title, description                                           string
	window, tier, industry, county                               string
	rowRates, rowWhere, rowTrend, rowBatches, rowSched, rowSvc   string
	status, statusHelp, rate, rateHelp, below, belowHelp         string
	stability, stabilityHelp                                     string
	met, atRisk, missed, stable, unstable, insufficient          string
	bandTitle, bandHelp, passRate, lower, upper, target          string
	perIndustry, perCounty, perCategory, tableHelp, categoryHelp string
	colIndustry, colCounty, colCategory, colTier, colStatus      string
	colRate, colLower, colUpper, colBelow, colBatches, colFailed string
	trendTitle, trendHelp, recordedTitle, recordedHelp, failed   string
	batchesTitle, batchesHelp, tasksTitle, tasksHelp, tasksOver  string
	schedTitle, schedHelp, colSchedule, colSince, colInterval    string
	colLag, colPaused, colPausedBy, colReason                    string
	execTitle, execHelp, colPlanned, colTested, colRefused       string
	colLapsed, colOpen, colExecuted                              string
	firesTitle, firesHelp, missedFires, failedFires              string
	durationTitle, plansTitle, upTitle, ageTitle, ageHelp        string
	httpTitle, latencyTitle                                      string
	// notBy introduces the variables a panel is not narrowed by (%s, joined
	// by listSep) before the reason; the why* fields are the reasons.
	notBy, listSep                                          string
	whyStability, whyPerDay, whyNow, whyOverTime            string
	whySchedule, whyExecution, whyFires, whyService, upHelp string
}

// variableTitle returns the title of the dashboard variable name.
func (tx texts) variableTitle(name string) string {
	switch name {
	case "window":
		return tx.window
	case "tier":
		return tx.tier
	case "industry":
		return tx.industry
	case "county":
		return tx.county
	}
	return name
}

func textsOf(lang Language) texts {
	if lang == English {
		return texts{
			title:       "spotcheck: pass rates and plans",
			description: "Spot-check pass rates against the quality targets, where they fall short, and whether plans are being made. From spotcheck's /metrics; alerts in deploy/prometheus, runbook in docs/alerts.md. Every pass-rate panel follows the window, tier, industry and county chosen above.",
			window:      "Window", tier: "Tier", industry: "Industry", county: "County",
			rowRates: "Pass rates against targets", rowWhere: "Where: industries, counties and categories", rowTrend: "Trend",
			rowBatches: "Batches and tasks", rowSched: "Scheduler", rowSvc: "Service (the whole service, whatever the filters)",
			status:        "Status in $window",
			statusHelp:    "Each tier's status over the window, for the chosen industry and county: met, at risk (below target but not conclusively, or fewer than min_batches batches) or missed (the exact one-sided 95% upper bound is below target).",
			rate:          "Pass rate in $window",
			rateHelp:      "Each tier's headline pass rate over the window, for the chosen industry and county: pooled, or the mean of the category rates for agricultural inputs (categories with fewer than min_category_batches batches left out).",
			below:         "Probability below target in $window",
			belowHelp:     "The probability that the tier's true pass rate is below its target, given the batches tested (Jeffreys posterior), for the chosen industry and county.",
			stability:     "Stability",
			stabilityHelp: "Whether each tier with a stability rule met its target in each recent period (by default the key tier, each of the last 4 quarters): stable; unstable when a period with at least min_batches batches missed it; insufficient when a period had too few batches to judge. Judged for the whole tier: empty while an industry or county is chosen.",
			met:           "met", atRisk: "at risk", missed: "missed", stable: "stable", unstable: "unstable", insufficient: "insufficient",
			bandTitle: "$tier: pass rate over $window with its 95% bounds",
			bandHelp:  "The pass rate for the chosen industry and county, the band between its one-sided 95% lower and upper bounds, and the target (dashed). Below target with the whole band under the line: confidently missed.",
			passRate:  "pass rate", lower: "lower bound", upper: "upper bound", target: "target",
			perIndustry: "Per industry in $window", perCounty: "Per county in $window", perCategory: "Per category in $window",
			tableHelp:    "Each row's pass rate per tier with its one-sided 95% bounds, the probability that it is below the tier's target, the batches behind it, and its status (red: missed, orange: at risk, green: met). With a county (or industry) chosen, the rates are those of that county (industry) alone.",
			categoryHelp: "Each category's pass rate, tested and failed batches, for the chosen tier, industry and county, computed from the batch counts.",
			colIndustry:  "Industry", colCounty: "County", colCategory: "Category", colTier: "Tier", colStatus: "Status",
			colRate: "Pass rate", colLower: "Lower bound", colUpper: "Upper bound", colBelow: "P(below target)", colBatches: "Batches", colFailed: "Failed",
			trendTitle:    "Pass rate over 30 days and over $window",
			trendHelp:     "A 30d rate well under the longer rate is a falling pass rate (the SpotcheckPassRateFalling alert compares 30d with 365d). For the chosen industry and county.",
			recordedTitle: "Results recorded per day",
			recordedHelp:  "Results recorded by any replica or import, per day at the current pace, and the failed ones, for the chosen tier, industry and county.",
			failed:        "failed",
			batchesTitle:  "Batches tested in $window by industry",
			batchesHelp:   "Tested and failed batches in the window, for the chosen tier, industry and county.",
			tasksTitle:    "Tasks by state",
			tasksHelp:     "Tasks by state, for the chosen tier, industry and county (the enterprise's): assigned and not yet due, tested, overdue (past the due date without a result, in an open plan), lapsed (the plan closed without a result for it), refused.",
			tasksOver:     "Tasks over time",
			schedTitle:    "Schedules",
			schedHelp:     "Per schedule of the chosen industry: time since its last plan, its interval, how far past its next nominal fire it is (lag; 0 when on time), and who paused it and why. The SpotcheckPlansNotMade alert fires past twice the interval, unless the schedule is paused.",
			colSchedule:   "Schedule", colSince: "Since last plan", colInterval: "Interval", colLag: "Lag", colPaused: "Paused for", colPausedBy: "Paused by", colReason: "Reason",
			execTitle:  "Plan execution in $window",
			execHelp:   "Per schedule of the chosen industry, the tasks of its plans made in the window: planned, tested, refused (the enterprise was not sampled), lapsed (the plan closed without a result) and open (the plan is still open); executed is tested ÷ (tested + refused + lapsed), the share of the plan carried out among tasks whose outcome is known.",
			colPlanned: "Planned", colTested: "Tested", colRefused: "Refused", colLapsed: "Lapsed", colOpen: "Open", colExecuted: "Executed",
			firesTitle:  "Fires missed and failed in the last hour",
			firesHelp:   "For the schedules of the chosen industry.",
			missedFires: "missed", failedFires: "failed",
			durationTitle: "Time to make a plan (95th percentile)",
			plansTitle:    "Plans made per hour",
			upTitle:       "Replicas up",
			ageTitle:      "Snapshot age",
			ageHelp:       "Seconds since each replica refreshed its in-memory snapshot; it refreshes after every write and every refresh interval.",
			httpTitle:     "HTTP requests",
			latencyTitle:  "HTTP latency (95th percentile)",
			notBy:         "Not narrowed by %s: ", listSep: ", ",
			whyStability: "stability is judged over its own periods (by default each of the last 4 quarters), not over a window.",
			whyPerDay:    "results are counted per day along the board's time range.",
			whyNow:       "tasks are counted in the state they are in now.",
			whyOverTime:  "each point counts the tasks in the state they were in at that time.",
			whySchedule:  "a schedule draws from its whole industry, every tier and county, and is shown as it is now.",
			whyExecution: "execution is counted per schedule, and a schedule draws from its whole industry, every tier and county.",
			whyFires:     "fires are counted per schedule along the board's time range, and a schedule draws from its whole industry, every tier and county.",
			whyService:   "this is the health of the service itself.",
			upHelp:       "Replicas that Prometheus scrapes successfully.",
		}
	}
	return texts{
		title:       "spotcheck：抽检合格率与计划",
		description: "抽检合格率与质量目标的对比、未达标之处，以及抽检计划是否按时生成。数据来自 spotcheck 的 /metrics；告警规则见 deploy/prometheus，处置手册见 docs/alerts.md。所有合格率面板都按上方选定的统计窗口、层级、行业和区县筛选。",
		window:      "统计窗口", tier: "层级", industry: "行业", county: "区县",
		rowRates: "合格率与目标", rowWhere: "分布：行业、区县与品类", rowTrend: "趋势",
		rowBatches: "批次与任务", rowSched: "计划调度", rowSvc: "服务运行（整个服务，不受筛选影响）",
		status:        "$window 达标状态",
		statusHelp:    "各层级在统计窗口内（所选行业、区县）的状态：达标；有风险（低于目标但证据不足，或批次少于 min_batches）；未达标（精确单侧 95% 上限低于目标）。",
		rate:          "$window 合格率",
		rateHelp:      "各层级在统计窗口内（所选行业、区县）的合格率：合并计算；农资为各品类合格率的平均（批次少于 min_category_batches 的品类不计入）。",
		below:         "$window 低于目标的概率",
		belowHelp:     "根据已检批次，该层级真实合格率低于目标的概率（Jeffreys 后验），按所选行业、区县。",
		stability:     "稳定性",
		stabilityHelp: "有稳定性要求的层级（默认重点产品，最近 4 个完整季度）是否每个周期都达标：稳定；不稳定（某个批次数不少于 min_batches 的周期未达标）；数据不足（有周期批次太少，无法判断）。按整个层级判断：选定行业或区县时不显示。",
		met:           "达标", atRisk: "有风险", missed: "未达标", stable: "稳定", unstable: "不稳定", insufficient: "数据不足",
		bandTitle: "$tier：$window 合格率及 95% 置信限",
		bandHelp:  "所选行业、区县的合格率，单侧 95% 下限与上限之间的区间，以及目标（虚线）。合格率低于目标且整个区间都在目标线以下：可确定未达标。",
		passRate:  "合格率", lower: "下限", upper: "上限", target: "目标",
		perIndustry: "$window 各行业", perCounty: "$window 各区县", perCategory: "$window 各品类",
		tableHelp:    "每行按层级列出合格率、单侧 95% 上下限、低于目标的概率、所依据的批次和状态（红：未达标，橙：有风险，绿：达标）。选定区县（或行业）时，为该区县（行业）内的合格率。",
		categoryHelp: "按所选层级、行业和区县，由批次计数算出的各品类合格率、已检和不合格批次。",
		colIndustry:  "行业", colCounty: "区县", colCategory: "品类", colTier: "层级", colStatus: "状态",
		colRate: "合格率", colLower: "下限", colUpper: "上限", colBelow: "低于目标概率", colBatches: "批次", colFailed: "不合格",
		trendTitle:    "30 天与 $window 合格率",
		trendHelp:     "30 天合格率明显低于更长窗口的合格率，说明合格率在下降（SpotcheckPassRateFalling 告警比较 30 天与 365 天）。按所选行业、区县。",
		recordedTitle: "每日录入结果数",
		recordedHelp:  "任一副本或导入录入的结果，按当前速度折算为每日数量，及其中不合格的，按所选层级、行业和区县。",
		failed:        "不合格",
		batchesTitle:  "$window 各行业已检批次",
		batchesHelp:   "统计窗口内已检和不合格批次，按所选层级、行业和区县。",
		tasksTitle:    "任务状态",
		tasksHelp:     "各状态的任务，按所选层级、行业和区县（企业所在区县）：已分配未到期、已检测、逾期（计划未关闭、超过期限仍无结果）、未完成（计划关闭时仍无结果）、未抽样。",
		tasksOver:     "任务数变化",
		schedTitle:    "抽检计划",
		schedHelp:     "所选行业的每个计划：距上次生成计划的时间、间隔、超过下次计划时间多久（滞后；准时为 0），以及暂停人和原因。超过两倍间隔未生成计划时 SpotcheckPlansNotMade 告警，暂停的计划除外。",
		colSchedule:   "计划", colSince: "距上次生成", colInterval: "间隔", colLag: "滞后", colPaused: "已暂停", colPausedBy: "暂停人", colReason: "原因",
		execTitle:  "$window 计划执行情况",
		execHelp:   "所选行业的每个计划在统计窗口内生成的抽检任务：计划数、已检测、未抽样（企业未被抽样）、未完成（计划关闭时仍无结果）、进行中（计划尚未关闭）；完成率 = 已检测 ÷（已检测 + 未抽样 + 未完成），即结果已确定的任务中完成抽检的比例。",
		colPlanned: "计划任务", colTested: "已检测", colRefused: "未抽样", colLapsed: "未完成", colOpen: "进行中", colExecuted: "完成率",
		firesTitle:  "最近一小时错过和失败的触发",
		firesHelp:   "所选行业的计划。",
		missedFires: "错过", failedFires: "失败",
		durationTitle: "生成计划耗时（95 分位）",
		plansTitle:    "每小时生成的计划数",
		upTitle:       "运行中的副本",
		ageTitle:      "快照时效",
		ageHelp:       "各副本距上次刷新内存快照的秒数；每次写入后及每个刷新间隔刷新。",
		httpTitle:     "HTTP 请求",
		latencyTitle:  "HTTP 延迟（95 分位）",
		notBy:         "不按%s筛选：", listSep: "、",
		whyStability: "稳定性按其自身的周期（默认最近 4 个季度）判断，不按统计窗口。",
		whyPerDay:    "结果按看板时间范围内的每日数量显示。",
		whyNow:       "任务按当前所处状态计数。",
		whyOverTime:  "每个时间点按任务当时所处状态计数。",
		whySchedule:  "计划从整个行业（所有层级和区县）抽取，显示的是当前状态。",
		whyExecution: "执行情况按计划统计，而计划从整个行业（所有层级和区县）抽取。",
		whyFires:     "触发按计划在看板时间范围内计数，而计划从整个行业（所有层级和区县）抽取。",
		whyService:   "这是服务自身的运行状况。",
		upHelp:       "Prometheus 能正常抓取的副本数。",
	}
}
