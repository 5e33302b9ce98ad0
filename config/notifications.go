package config

import (
	"fmt"
	"net/url"
	"time"
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
}

// Webhook is one receiver of notifications.
type Webhook struct {
	URL string `yaml:"url"`
	// Format is json (a generic JSON body; the default), dingtalk or wecom
	// (the text messages of those group robots).
	Format string `yaml:"format"`
	// Secret signs the message: for json an HMAC-SHA256 of the body in the
	// X-Spotcheck-Signature header; for dingtalk the robot's signing secret.
	Secret string `yaml:"secret"`
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
	if n.Default != nil {
		n.Default.resolve(p, []any{"notifications", "default"})
	}
	for id, w := range n.Inspectors {
		w.resolve(p, []any{"notifications", "inspectors", id})
		n.Inspectors[id] = w
	}
}

func (w *Webhook) resolve(p *problems, path []any) {
	at := func(field string) []any { return append(append([]any{}, path...), field) }
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
