package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"spotcheck/config"
	"spotcheck/i18n"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// message is one outbox message to one inspector, ready to render: the
// plan's tasks of that inspector, or the one task a reminder is about.
type message struct {
	notice storage.Notice
	hook   config.Webhook
	plan   sampling.Plan // ID, Schedule, Industry and NominalTime
	tasks  []sampling.Task
	names  map[string]string // inspector names by id
}

// event names the message in the JSON body and the X-Spotcheck-Event header.
func (m message) event() string {
	switch m.notice.Kind {
	case storage.NoticeReminder:
		return "task.reminder"
	case storage.NoticeOverdue:
		return "task.overdue"
	}
	return "plan.created"
}

// Text limits of the robots' messages, in bytes, with room to spare: WeCom
// takes 2048, DingTalk 20000.
const (
	weComLimit    = 2000
	dingTalkLimit = 18000
)

// bodies renders a message in its webhook's format and language: one JSON
// body, or as many robot text messages as the text needs.
func bodies(cfg *config.Config, m message) [][]byte {
	lang := m.hook.Language
	if m.hook.Format == config.FormatJSON {
		type task struct {
			sampling.Task
			CategoryName string   `json:"category_name"`
			CoInspectors []string `json:"co_inspectors"`
		}
		out := struct {
			Event     string    `json:"event"`
			MessageID string    `json:"message_id"`
			PlanID    int64     `json:"plan_id"`
			Schedule  string    `json:"schedule"`
			Industry  string    `json:"industry"`
			Nominal   time.Time `json:"nominal_time"`
			Inspector string    `json:"inspector"`
			Lead      string    `json:"lead_time,omitempty"`
			Language  string    `json:"language"`
			Text      string    `json:"text"`
			Link      string    `json:"link,omitempty"`
			Tasks     []task    `json:"tasks"`
		}{Event: m.event(), MessageID: m.notice.MessageID, PlanID: m.plan.ID, Schedule: m.plan.Schedule, Industry: m.plan.Industry,
			Nominal: m.plan.NominalTime, Inspector: m.notice.Inspector, Lead: m.notice.Label, Language: lang,
			Text: strings.Join(texts(cfg, m, 1<<30), ""), Link: cfg.Notifications.Link}
		for _, t := range m.tasks {
			out.Tasks = append(out.Tasks, task{Task: t, CategoryName: cfg.CategoryName(m.plan.Industry, t.Category), CoInspectors: others(t.Inspectors, m.notice.Inspector)})
		}
		data, _ := json.Marshal(out)
		return [][]byte{data}
	}
	limit := dingTalkLimit
	if m.hook.Format == config.FormatWeCom {
		limit = weComLimit
	}
	parts := texts(cfg, m, limit)
	out := make([][]byte, len(parts))
	for i, text := range parts {
		text = strings.TrimSuffix(text, "\n")
		if len(parts) > 1 {
			text += i18n.Format(lang, "msg_part", i+1, len(parts))
		}
		out[i], _ = json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	}
	return out
}

// texts writes the message's text in parts of at most limit bytes (a part
// holds at least one task), each starting with the heading.
func texts(cfg *config.Config, m message, limit int) []string {
	lang := m.hook.Language
	l := i18n.Labels(lang)
	id := m.notice.Inspector
	var head string
	switch m.notice.Kind {
	case storage.NoticeReminder:
		head = fmt.Sprintf(l["msg_reminder_head"], id, m.names[id], due(m.tasks))
	case storage.NoticeOverdue:
		head = fmt.Sprintf(l["msg_overdue_head"], id, m.names[id], due(m.tasks))
	default:
		head = fmt.Sprintf(l["msg_plan_head"], id, m.names[id], m.plan.ID, len(m.tasks))
	}
	var out []string
	var b strings.Builder
	b.WriteString(head)
	for i, t := range m.tasks {
		line := fmt.Sprintf(l["msg_task_line"], i+1, t.Enterprise, t.CreditCode, t.County, cfg.CategoryName(m.plan.Industry, t.Category), t.Due)
		if co := others(t.Inspectors, id); len(co) > 0 {
			for j, c := range co {
				if nm := m.names[c]; nm != "" {
					co[j] = c + " " + nm
				}
			}
			line += l["msg_co"] + strings.Join(co, l["msg_list_sep"])
		}
		line += "\n"
		if b.Len()+len(line) > limit && b.Len() > len(head) {
			out = append(out, b.String())
			b.Reset()
			b.WriteString(head)
		}
		b.WriteString(line)
	}
	if link := cfg.Notifications.Link; link != "" {
		b.WriteString(l["msg_link"] + link + "\n")
	}
	return append(out, b.String())
}

// due is the due date of a reminder's task.
func due(tasks []sampling.Task) sampling.Day {
	if len(tasks) == 0 {
		return ""
	}
	return tasks[0].Due
}

// others returns ids without self.
func others(ids []string, self string) []string {
	var out []string
	for _, id := range ids {
		if id != self {
			out = append(out, id)
		}
	}
	return out
}
