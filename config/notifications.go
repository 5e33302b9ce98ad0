package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"spotcheck/i18n"
)

// Notifications say where the tasks of a new plan are sent: each assigned
// inspector's webhook, or the default one.
type Notifications struct {
	// Default receives the tasks of inspectors that have no webhook of
	// their own; none when nil.
	Default    *Webhook           `yaml:"default"`
	Inspectors map[string]Webhook `yaml:"inspectors"`
	// Attempts is how many times a message is sent before it is given up
	// (default 6); Backoff the wait before the first retry, doubled before
	// each next one (default 10s, at most 10m).
	Attempts int      `yaml:"attempts"`
	Backoff  Duration `yaml:"backoff"`
	// Link is the address of the inspectors' page (…/inspect), put in
	// messages.
	Link string `yaml:"link"`
	// Language of the messages: zh (Simplified Chinese, the default) or
	// en. A webhook's own language wins.
	Language string `yaml:"language"`
	// Timeout bounds one delivery of a message, all its parts (default
	// 30s). It is also the lease of a message taken from the outbox: no
	// other replica sends it meanwhile.
	Timeout Duration `yaml:"timeout"`
	// Poll is how often each replica looks for messages due in the outbox
	// (default 5s); a plan made by this replica is sent at once.
	Poll Duration `yaml:"poll"`
	// Reminders tell a task's inspectors of its due date.
	Reminders Reminders `yaml:"reminders"`
}

// Reminders say when a task's inspectors are reminded of it: Before its
// due date and, with Overdue, the day after it. A task that is tested,
// refused or closed gets none.
type Reminders struct {
	// Before lists lead times before the due date, such as [3d, 1d]: a
	// reminder at the due date's At minus each.
	Before []Duration `yaml:"before"`
	// Overdue sends a reminder at At on the day after the due date.
	Overdue bool `yaml:"overdue"`
	// At is the local time of day of reminders, HH:MM (default 09:00).
	At string `yaml:"at"`
	// SkipPaused sends no reminders of a paused schedule's plans.
	SkipPaused bool `yaml:"skip_paused"`

	at time.Duration // At since midnight
}

// TimeOfDay returns At as a time since midnight.
func (r Reminders) TimeOfDay() time.Duration { return r.at }

// Webhook is one receiver of notifications.
type Webhook struct {
	URL string `yaml:"url"`
	// Format is json (a generic JSON body; the default), dingtalk or wecom
	// (the text messages of those group robots).
	Format string `yaml:"format"`
	// Secret signs the message: for json an HMAC-SHA256 of the body in the
	// X-Spotcheck-Signature header; for dingtalk the robot's signing secret.
	Secret string `yaml:"secret"`
	// Language of this receiver's messages, zh or en; the notifications'
	// language when empty.
	Language string `yaml:"language"`
}

// Webhook formats.
const (
	FormatJSON     = "json"
	FormatDingTalk = "dingtalk"
	FormatWeCom    = "wecom"
)

// resolve fills in the defaults of Attempts and Backoff and validates.
func (n *Notifications) resolve(p *problems) {
	orDefault(p, []any{"notifications", "attempts"}, &n.Attempts, 6)
	orDefault(p, []any{"notifications", "backoff"}, &n.Backoff, Duration(10*time.Second))
	if n.Backoff == 0 {
		p.add([]any{"notifications", "backoff"}, "want at least 1s")
	}
	if n.Attempts < 1 || n.Attempts > 20 {
		p.add([]any{"notifications", "attempts"}, "want 1 to 20 attempts")
	}
	if n.Link != "" {
		if u, err := url.Parse(n.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add([]any{"notifications", "link"}, "%q is not an http(s) URL", n.Link)
		}
	}
	orDefault(p, []any{"notifications", "timeout"}, &n.Timeout, Duration(30*time.Second))
	orDefault(p, []any{"notifications", "poll"}, &n.Poll, Duration(5*time.Second))
	orDefault(p, []any{"notifications", "language"}, &n.Language, i18n.ZH)
	if !i18n.Known(n.Language) {
		p.add([]any{"notifications", "language"}, "unknown language %q (want %s)", n.Language, strings.Join(i18n.Languages(), " or "))
	}
	if n.Timeout < Duration(time.Second) || n.Timeout > Duration(10*time.Minute) {
		p.add([]any{"notifications", "timeout"}, "want 1s to 10m")
	}
	if n.Poll < Duration(time.Second) || n.Poll > Duration(10*time.Minute) {
		p.add([]any{"notifications", "poll"}, "want 1s to 10m")
	}
	n.Reminders.resolve(p)
	if n.Default != nil {
		n.Default.resolve(p, []any{"notifications", "default"})
	}
	for id, w := range n.Inspectors {
		w.resolve(p, []any{"notifications", "inspectors", id})
		n.Inspectors[id] = w
	}
}

// resolve checks the reminders' lead times and parses At.
func (r *Reminders) resolve(p *problems) {
	path := []any{"notifications", "reminders"}
	at := func(parts ...any) []any { return append(append([]any{}, path...), parts...) }
	orDefault(p, at("at"), &r.At, "09:00")
	t, err := time.Parse("15:04", r.At)
	if err != nil || len(r.At) != 5 {
		p.add(at("at"), "%q is not a time of day HH:MM, such as 09:00", r.At)
	}
	r.at = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	seen := map[Duration]bool{}
	for i, d := range r.Before {
		switch {
		case d <= 0 || d > Duration(90*24*time.Hour):
			p.add(at("before", i), "lead time %s: want more than 0 and at most 90d", d)
		case seen[d]:
			p.add(at("before", i), "lead time %s is listed twice", d)
		}
		seen[d] = true
	}
}

func (w *Webhook) resolve(p *problems, path []any) {
	at := func(field string) []any { return append(append([]any{}, path...), field) }
	if w.Language != "" && !i18n.Known(w.Language) {
		p.add(at("language"), "unknown language %q (want %s)", w.Language, strings.Join(i18n.Languages(), " or "))
	}
	if w.Format != "" && w.Format != FormatJSON && w.Format != FormatDingTalk && w.Format != FormatWeCom {
		p.add(at("format"), "unknown format %q (want json, dingtalk or wecom)", w.Format)
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL may hold the robot's access token: name it by host only.
		host := ""
		if u != nil {
			host = u.Host
		}
		p.add(at("url"), "%s", fmt.Sprintf("want an http(s) URL (host %q)", host))
	}
}
