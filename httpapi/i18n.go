package httpapi

import (
	"net/http"
	"strings"
)

// Languages of the inspectors' pages: Simplified Chinese by default.
const (
	langZH = "zh"
	langEN = "en"
)

// labels returns the page texts in lang. Built on each call, so that no
// package state can be changed.
func labels(lang string) map[string]string {
	en := map[string]string{
		"title":                         "Inspection tasks",
		"signin":                        "Sign in",
		"token":                         "Access token",
		"token_help":                    "Paste the token you received from the administrator.",
		"signout":                       "Sign out",
		"bad_token":                     "The token is not valid, or it is not an inspector's token.",
		"too_many":                      "Too many failed attempts. Try again later.",
		"open":                          "To do",
		"done":                          "Done",
		"none":                          "No tasks.",
		"due":                           "Due",
		"status":                        "Status",
		"county":                        "County",
		"category":                      "Category",
		"quantity":                      "Quantity to take",
		"test":                          "test",
		"backup":                        "backup",
		"inspectors":                    "Inspectors",
		"credit_code":                   "Credit code",
		"back":                          "All tasks",
		"record_sampling":               "Record sampling",
		"sampled_on":                    "Sampling date",
		"batch_no":                      "Batch number",
		"quantity_taken":                "Pieces taken",
		"seals":                         "Seal numbers",
		"seals_help":                    "Separate several with commas.",
		"record_refusal":                "Not sampled",
		"reason":                        "Reason",
		"note":                          "Note",
		"record_result":                 "Record the lab result",
		"outcome":                       "Outcome",
		"pass":                          "pass",
		"fail":                          "fail",
		"tested_on":                     "Test date",
		"report_no":                     "Report number",
		"failed_items":                  "Failed items",
		"close_task":                    "Close the task",
		"close_help":                    "The lab report is filed and nothing more is to be done.",
		"save":                          "Save",
		"saved":                         "Saved.",
		"history":                       "History",
		"fix":                           "Please correct the marked fields.",
		"state_assigned":                "assigned",
		"state_sampled":                 "sampled",
		"state_tested":                  "tested",
		"state_closed":                  "closed",
		"state_refused":                 "refused",
		"state_overdue":                 "overdue",
		"state_lapsed":                  "lapsed",
		"reason_no_such_product":        "the enterprise does not make this product",
		"reason_not_for_sale":           "products not for sale (export only, custom-made, samples)",
		"reason_production_stopped":     "production stopped",
		"reason_enterprise_closed":      "enterprise closed, deregistered or moved away",
		"reason_insufficient_stock":     "too little stock to sample",
		"reason_refused_without_reason": "the enterprise refused without a lawful reason",
		"reason_other":                  "other (explain in the note)",
	}
	if lang == langEN {
		return en
	}
	zh := map[string]string{
		"title":                         "抽查任务",
		"signin":                        "登录",
		"token":                         "访问令牌",
		"token_help":                    "请粘贴管理员发给您的令牌。",
		"signout":                       "退出",
		"bad_token":                     "令牌无效，或不是检查人员的令牌。",
		"too_many":                      "失败次数过多，请稍后再试。",
		"open":                          "待办",
		"done":                          "已办",
		"none":                          "没有任务。",
		"due":                           "截止日期",
		"status":                        "状态",
		"county":                        "所在地",
		"category":                      "产品类别",
		"quantity":                      "抽样数量",
		"test":                          "检验样",
		"backup":                        "备样",
		"inspectors":                    "检查人员",
		"credit_code":                   "统一社会信用代码",
		"back":                          "全部任务",
		"record_sampling":               "登记抽样",
		"sampled_on":                    "抽样日期",
		"batch_no":                      "批号",
		"quantity_taken":                "抽样数量（件）",
		"seals":                         "封条编号",
		"seals_help":                    "多个编号用逗号分隔。",
		"record_refusal":                "未能抽样",
		"reason":                        "原因",
		"note":                          "说明",
		"record_result":                 "登记检验结果",
		"outcome":                       "检验结论",
		"pass":                          "合格",
		"fail":                          "不合格",
		"tested_on":                     "检验日期",
		"report_no":                     "检验报告编号",
		"failed_items":                  "不合格项目",
		"close_task":                    "办结任务",
		"close_help":                    "检验报告已归档，任务无其他待办事项。",
		"save":                          "保存",
		"saved":                         "已保存。",
		"history":                       "办理记录",
		"fix":                           "请更正标出的内容。",
		"state_assigned":                "待抽样",
		"state_sampled":                 "已抽样",
		"state_tested":                  "已检验",
		"state_closed":                  "已办结",
		"state_refused":                 "未抽样",
		"state_overdue":                 "已逾期",
		"state_lapsed":                  "未完成",
		"reason_no_such_product":        "企业无此产品",
		"reason_not_for_sale":           "产品非销售状态（仅出口、定制、样品等）",
		"reason_production_stopped":     "企业停产",
		"reason_enterprise_closed":      "企业已关闭、注销或迁出",
		"reason_insufficient_stock":     "库存不足，无法抽样",
		"reason_refused_without_reason": "企业无正当理由拒绝抽样",
		"reason_other":                  "其他（请在说明中写明）",
	}
	for k, v := range en {
		if _, ok := zh[k]; !ok {
			zh[k] = v
		}
	}
	return zh
}

// stateLabel names a task state in lang.
func stateLabel(lang, state string) string {
	if s, ok := labels(lang)["state_"+state]; ok {
		return s
	}
	return state
}

// pageLang is the language of a page: ?lang=, else the lang cookie, else
// Simplified Chinese.
func pageLang(r *http.Request) string {
	v := r.URL.Query().Get("lang")
	if v == "" {
		if c, err := r.Cookie("lang"); err == nil {
			v = c.Value
		}
	}
	if strings.HasPrefix(v, "en") {
		return langEN
	}
	return langZH
}
