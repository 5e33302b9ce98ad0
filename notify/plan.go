package notify

import (
	"slices"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Notices returns the outbox messages of a new plan for storage.Claim: one
// telling each assigned inspector with a webhook (their own or the default)
// their tasks, and for each task and each of its inspectors a reminder per
// configured lead time and an overdue reminder, at the times Reminders
// computes. Reminders already past at now are left out.
func Notices(cfg *config.Config) func(p sampling.Plan, now time.Time) []storage.NewNotice {
	return func(p sampling.Plan, now time.Time) []storage.NewNotice {
		var out []storage.NewNotice
		told := map[string]bool{}
		var inspectors []string
		for _, t := range p.Tasks {
			for _, id := range t.Inspectors {
				if !told[id] && hasWebhook(cfg, id) {
					told[id] = true
					inspectors = append(inspectors, id)
				}
			}
		}
		slices.Sort(inspectors)
		for _, id := range inspectors {
			out = append(out, storage.NewNotice{Inspector: id, Kind: storage.NoticePlan, DueAt: now})
		}
		for _, t := range p.Tasks {
			for _, r := range Reminders(cfg, t.Due) {
				if r.At.Before(now) {
					continue
				}
				for _, id := range t.Inspectors {
					if told[id] {
						out = append(out, storage.NewNotice{Inspector: id, Kind: r.Kind, TaskID: t.ID, Label: r.Label, DueAt: r.At})
					}
				}
			}
		}
		return out
	}
}

// Reminder is when a task's inspectors are reminded of it.
type Reminder struct {
	Kind  string // storage.NoticeReminder or storage.NoticeOverdue
	Label string // the lead time, such as "3d"; "" for overdue
	At    time.Time
}

// Reminders returns the reminders of a task due on due (a day in the
// service's time zone): for each lead time L, the due day's reminders.at
// minus L; with overdue, reminders.at on the day after. None when due is
// not a valid day.
func Reminders(cfg *config.Config, due sampling.Day) []Reminder {
	r := cfg.Notifications.Reminders
	if !due.Valid() {
		return nil
	}
	day := due
	at := func(d sampling.Day) time.Time {
		// The time of day in the zone, also on days of a DST change.
		return d.Start(cfg.Location).Add(r.TimeOfDay())
	}
	var out []Reminder
	for _, lead := range r.Before {
		when := at(day).Add(-time.Duration(lead))
		if days := time.Duration(lead) / (24 * time.Hour); time.Duration(lead)%(24*time.Hour) == 0 {
			when = at(day.AddDays(-int(days))) // whole days: the same time of day
		}
		out = append(out, Reminder{Kind: storage.NoticeReminder, Label: lead.String(), At: when})
	}
	if r.Overdue {
		out = append(out, Reminder{Kind: storage.NoticeOverdue, At: at(day.AddDays(1))})
	}
	return out
}

// hasWebhook reports whether inspector id's messages have a receiver.
func hasWebhook(cfg *config.Config, id string) bool {
	_, own := cfg.Notifications.Inspectors[id]
	return own || cfg.Notifications.Default != nil
}

// webhook returns inspector id's receiver, with its format and language
// filled in.
func webhook(cfg *config.Config, id string) (config.Webhook, bool) {
	hook, ok := cfg.Notifications.Inspectors[id]
	if !ok {
		if cfg.Notifications.Default == nil {
			return hook, false
		}
		hook = *cfg.Notifications.Default
	}
	if hook.Format == "" {
		hook.Format = config.FormatJSON
	}
	if hook.Language == "" {
		hook.Language = cfg.Notifications.Language
	}
	return hook, true
}
