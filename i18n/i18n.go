// Package i18n is the one catalogue of the texts that inspectors see: the
// inspectors' pages and their validation messages, webhook messages,
// reminders and calendar feeds. Simplified Chinese is the default language;
// English can be chosen.
package i18n

import (
	"fmt"
)

// Languages of the catalogue.
const (
	ZH = "zh" // Simplified Chinese, the default
	EN = "en"
)

// Languages lists the catalogue's languages, the default first.
func Languages() []string { return []string{ZH, EN} }

// Known reports whether lang is one of Languages.
func Known(lang string) bool { return lang == ZH || lang == EN }

// catalogue returns every text as {Chinese, English}. Built on each call,
// so that no package state can be changed.
func catalogue() map[string][2]string {
	return map[string][2]string{
		"title":                         {"抽查任务", "Inspection tasks"},
		"signin":                        {"登录", "Sign in"},
		"token":                         {"访问令牌", "Access token"},
		"token_help":                    {"请粘贴管理员发给您的令牌。", "Paste the token you received from the administrator."},
		"signout":                       {"退出", "Sign out"},
		"bad_token":                     {"令牌无效，或不是检查人员的令牌。", "The token is not valid, or it is not an inspector's token."},
		"too_many":                      {"失败次数过多，请稍后再试。", "Too many failed attempts. Try again later."},
		"open":                          {"待办", "To do"},
		"done":                          {"已办", "Done"},
		"none":                          {"没有任务。", "No tasks."},
		"due":                           {"截止日期", "Due"},
		"status":                        {"状态", "Status"},
		"county":                        {"所在地", "County"},
		"category":                      {"产品类别", "Category"},
		"quantity":                      {"抽样数量", "Quantity to take"},
		"test":                          {"检验样", "test"},
		"backup":                        {"备样", "backup"},
		"inspectors":                    {"检查人员", "Inspectors"},
		"credit_code":                   {"统一社会信用代码", "Credit code"},
		"back":                          {"全部任务", "All tasks"},
		"record_sampling":               {"登记抽样", "Record sampling"},
		"sampled_on":                    {"抽样日期", "Sampling date"},
		"batch_no":                      {"批号", "Batch number"},
		"quantity_taken":                {"抽样数量（件）", "Pieces taken"},
		"seals":                         {"封条编号", "Seal numbers"},
		"seals_help":                    {"多个编号用逗号分隔。", "Separate several with commas."},
		"record_refusal":                {"未能抽样", "Not sampled"},
		"reason":                        {"原因", "Reason"},
		"note":                          {"说明", "Note"},
		"record_result":                 {"登记检验结果", "Record the lab result"},
		"outcome":                       {"检验结论", "Outcome"},
		"pass":                          {"合格", "pass"},
		"fail":                          {"不合格", "fail"},
		"tested_on":                     {"检验日期", "Test date"},
		"report_no":                     {"检验报告编号", "Report number"},
		"failed_items":                  {"不合格项目", "Failed items"},
		"close_task":                    {"办结任务", "Close the task"},
		"close_help":                    {"检验报告已归档，任务无其他待办事项。", "The lab report is filed and nothing more is to be done."},
		"save":                          {"保存", "Save"},
		"saved":                         {"已保存。", "Saved."},
		"history":                       {"办理记录", "History"},
		"fix":                           {"请更正标出的内容。", "Please correct the marked fields."},
		"state_assigned":                {"待抽样", "assigned"},
		"state_sampled":                 {"已抽样", "sampled"},
		"state_tested":                  {"已检验", "tested"},
		"state_closed":                  {"已办结", "closed"},
		"state_refused":                 {"未抽样", "refused"},
		"state_lapsed":                  {"未完成", "lapsed"},
		"state_overdue":                 {"已逾期", "overdue"},
		"reason_no_such_product":        {"企业无此产品", "the enterprise does not make this product"},
		"reason_not_for_sale":           {"产品非销售状态（仅出口、定制、样品等）", "products not for sale (export only, custom-made, samples)"},
		"reason_production_stopped":     {"企业停产", "production stopped"},
		"reason_enterprise_closed":      {"企业已关闭、注销或迁出", "enterprise closed, deregistered or moved away"},
		"reason_insufficient_stock":     {"库存不足，无法抽样", "too little stock to sample"},
		"reason_refused_without_reason": {"企业无正当理由拒绝抽样", "the enterprise refused without a lawful reason"},
		"reason_other":                  {"其他（请在说明中写明）", "other (explain in the note)"},
		"err_not_date":                  {"%q 不是日期，请按 YYYY-MM-DD 填写", "%q is not a date YYYY-MM-DD"},
		"err_future":                    {"%s 晚于今天（今天是 %s）", "%s is in the future (today is %s)"},
		"err_before_plan":               {"%s 早于抽查计划下达的日期（%s）", "%s is before the plan was made (%s)"},
		"err_batch_missing":             {"请填写所抽产品的批号", "give the batch or lot number of the sampled products"},
		"err_quantity":                  {"请填写抽样件数（1 到 100000）", "give the number of pieces taken, from 1 to 100000"},
		"err_seals_missing":             {"请至少填写一个封条编号", "give the number of at least one seal"},
		"err_seal":                      {"封条编号 %q：应为 1 到 64 个字符", "seal number %q: want 1 to 64 characters"},
		"err_reason":                    {"%q 不是可选的原因（%s）", "%q is not one of %s"},
		"err_note_missing":              {"请填写说明，写明原因", "give a note that explains the reason"},
		"err_utf8":                      {"第 %d 字节处不是有效的 UTF-8 编码", "invalid UTF-8 at byte %d"},
		"err_nul":                       {"第 %d 字节处有 NUL 字符", "NUL character at byte %d"},
		"err_control":                   {"第 %[2]d 字节处有控制字符 %[1]U", "control character %U at byte %d"},
		"err_text_long":                 {"共 %d 个字符，最多 %d 个", "%d characters, at most %d"},
		"err_id_shape":                  {"编号 %q：只能使用字母、数字、“_”“.”“-”，并以字母或数字开头", "id %q: use letters, digits, '_', '.' and '-', starting with a letter or digit"},
		"err_task_id":                   {"任务编号应为正整数", "must be a positive task id"},
		"err_outcome":                   {"%q 不是“合格”或“不合格”", "%q is not pass or fail"},
		"err_failed_items_missing":      {"不合格的批次须写明不合格项目", "a failed batch must name its failed items"},
		"err_failed_items_pass":         {"合格的批次不填写不合格项目", "a passed batch has no failed items"},
		"err_state":                     {"该任务现为“%s”，不能这样办理，请刷新页面。", "This task is %s now and cannot be changed this way; reload the page."},
		"err_plan_closed":               {"该任务所属的抽查计划已结束，不能再登记。", "The plan of this task is closed; nothing more can be recorded."},
		"language":                      {"语言", "Language"},
		"lang_other":                    {"English", "中文"},
		"msg_plan_head":                 {"【抽查任务】%s %s：抽查计划 %d 派给您 %d 项任务，请在截止日期前完成（任务保密，请勿外传）。\n", "[Spot check] %s %s: plan %d assigns you %d tasks; please finish them by their due dates (confidential: do not pass them on).\n"},
		"msg_task_line":                 {"%d. %s（%s）%s，%s，截止 %s", "%d. %s (%s) %s, %s, due %s"},
		"msg_co":                        {"，同行：", ", with: "},
		"msg_list_sep":                  {"、", ", "},
		"msg_link":                      {"办理：", "Record at: "},
		"msg_part":                      {"\n（%d/%d）", "\n(%d/%d)"},
		"msg_reminder_head":             {"【抽查提醒】%s %s：以下任务将于 %s 截止，请按时完成。\n", "[Spot check reminder] %s %s: this task is due on %s; please finish it in time.\n"},
		"msg_overdue_head":              {"【抽查逾期】%s %s：以下任务已于 %s 截止，尚未完成，请尽快办理。\n", "[Spot check overdue] %s %s: this task was due on %s and is not finished; please see to it at once.\n"},
		"cal_name":                      {"spotcheck 抽查任务", "spotcheck inspection tasks"},
		"cal_summary":                   {"抽查：%s（%s）", "Spot check: %s (%s)"},
		"cal_overdue":                   {"【已逾期】", "[Overdue] "},
		"cal_task":                      {"任务 %d，抽查计划 %d", "Task %d, plan %d"},
		"cal_enterprise":                {"企业：%s（统一社会信用代码 %s）", "Enterprise: %s (credit code %s)"},
		"cal_county":                    {"所在地：", "County: "},
		"cal_quantity":                  {"产品类别：%s；抽样数量：检验样 %d，备样 %d", "Category: %s; quantity: %d to test, %d backup"},
		"cal_due":                       {"截止日期：", "Due: "},
		"cal_status":                    {"状态：", "Status: "},
		"cal_co":                        {"同行检查人员：", "Co-inspectors: "},
	}
}

// Labels returns every text in lang (Chinese unless lang is EN), keyed as
// the catalogue is.
func Labels(lang string) map[string]string {
	i := 0
	if lang == EN {
		i = 1
	}
	c := catalogue()
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[k] = v[i]
	}
	return out
}

// Text returns the text of key in lang, or key itself when the catalogue
// lacks it.
func Text(lang, key string) string {
	v, ok := catalogue()[key]
	if !ok {
		return key
	}
	if lang == EN {
		return v[1]
	}
	return v[0]
}

// Format formats the text of key in lang with args, as fmt.Sprintf does.
func Format(lang, key string, args ...any) string {
	return fmt.Sprintf(Text(lang, key), args...)
}

// State names a task state (assigned, sampled, tested, closed, refused,
// overdue) in lang; an unknown state is returned as it is.
func State(lang, state string) string {
	if _, ok := catalogue()["state_"+state]; !ok {
		return state
	}
	return Text(lang, "state_"+state)
}
