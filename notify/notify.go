// Package notify sends the tasks of a new plan to each assigned inspector's
// webhook, or to a default one: a generic JSON body, or the text messages of
// the DingTalk and WeCom group robots. Deliveries run in the background with
// retries and backoff; a failure is logged and counted, and never blocks or
// undoes the plan.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"spotcheck/config"
	"spotcheck/sampling"
)

// Options tune a Notifier; the zero value is usable.
type Options struct {
	// Client sends the requests; one with a 15s timeout when nil.
	Client *http.Client
	// Now is the clock, for DingTalk signatures; time.Now when nil.
	Now func() time.Time
}

// maxBackoff caps the wait between two attempts.
const maxBackoff = 10 * time.Minute

// maxInFlight bounds the deliveries that run at once.
const maxInFlight = 8

// Notifier delivers plan notifications.
type Notifier struct {
	cfg    *config.Config
	client *http.Client
	now    func() time.Time
	logger *slog.Logger

	sent     *prometheus.CounterVec
	attempts *prometheus.CounterVec

	mu     sync.Mutex
	ctx    context.Context // nil until Start and after Stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
	slots  chan struct{}
}

// New returns a notifier for cfg's notifications that registers its metrics
// on reg.
func New(cfg *config.Config, reg prometheus.Registerer, logger *slog.Logger, opts Options) *Notifier {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := promauto.With(reg)
	return &Notifier{cfg: cfg, client: opts.Client, now: opts.Now, logger: logger.With("component", "notify"),
		sent: f.NewCounterVec(prometheus.CounterOpts{Name: "spotcheck_notifications_total",
			Help: "Plan notifications by webhook format and outcome: delivered, failed (given up after retries) or dropped (not started)."},
			[]string{"format", "outcome"}),
		attempts: f.NewCounterVec(prometheus.CounterOpts{Name: "spotcheck_notification_attempts_total",
			Help: "Attempts to send a plan notification, by webhook format and result (ok or error)."},
			[]string{"format", "result"}),
		slots: make(chan struct{}, maxInFlight),
	}
}

// Start lets the notifier deliver until Stop or until ctx is done.
func (n *Notifier) Start(ctx context.Context) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ctx == nil {
		n.ctx, n.cancel = context.WithCancel(ctx)
	}
}

// Stop cancels the deliveries under way, waiting for them to end. Stop may
// be called more than once.
func (n *Notifier) Stop() {
	n.mu.Lock()
	cancel := n.cancel
	n.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	n.wg.Wait()
}

// message is one webhook message about one inspector's tasks of a plan.
type message struct {
	hook      config.Webhook
	inspector string
	plan      sampling.Plan
	tasks     []sampling.Task
}

// PlanMade sends each assigned inspector its tasks of p, in the background;
// names maps inspector ids to names. It never blocks.
func (n *Notifier) PlanMade(p sampling.Plan, names map[string]string) {
	byInspector := map[string][]sampling.Task{}
	for _, t := range p.Tasks {
		for _, id := range t.Inspectors {
			byInspector[id] = append(byInspector[id], t)
		}
	}
	ids := make([]string, 0, len(byInspector))
	for id := range byInspector {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		hook, ok := n.cfg.Notifications.Inspectors[id]
		if !ok {
			if n.cfg.Notifications.Default == nil {
				continue
			}
			hook = *n.cfg.Notifications.Default
		}
		hook.Format = cmp.Or(hook.Format, config.FormatJSON)
		m := message{hook: hook, inspector: id, plan: p, tasks: byInspector[id]}
		for _, body := range n.bodies(m, names) {
			n.deliver(m, body)
		}
	}
}

// deliver starts sending one body, or counts it dropped when the notifier
// is not running.
func (n *Notifier) deliver(m message, body []byte) {
	n.mu.Lock()
	ctx := n.ctx
	if ctx != nil && ctx.Err() == nil {
		n.wg.Add(1)
	}
	n.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		n.sent.WithLabelValues(m.hook.Format, "dropped").Inc()
		return
	}
	go func() {
		defer n.wg.Done()
		select {
		case n.slots <- struct{}{}:
			defer func() { <-n.slots }()
		case <-ctx.Done():
			n.sent.WithLabelValues(m.hook.Format, "dropped").Inc()
			return
		}
		n.send(ctx, m, body)
	}()
}

// send tries a body up to the configured attempts, waiting Backoff, then
// twice as long, and so on, between attempts.
func (n *Notifier) send(ctx context.Context, m message, body []byte) {
	attempts := cmp.Or(n.cfg.Notifications.Attempts, 6)
	wait := cmp.Or(time.Duration(n.cfg.Notifications.Backoff), 10*time.Second)
	logger := n.logger.With("plan_id", m.plan.ID, "inspector", m.inspector, "format", m.hook.Format, "host", host(m.hook.URL))
	var err error
	for i := 1; i <= attempts; i++ {
		var retry bool
		retry, err = n.post(ctx, m.hook, body)
		if err == nil {
			n.attempts.WithLabelValues(m.hook.Format, "ok").Inc()
			n.sent.WithLabelValues(m.hook.Format, "delivered").Inc()
			logger.Debug("notification delivered", "attempt", i)
			return
		}
		n.attempts.WithLabelValues(m.hook.Format, "error").Inc()
		if !retry || i == attempts {
			break
		}
		logger.Debug("notification failed; retrying", "attempt", i, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			n.sent.WithLabelValues(m.hook.Format, "dropped").Inc()
			return
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
	n.sent.WithLabelValues(m.hook.Format, "failed").Inc()
	logger.Warn("notification given up", "err", err)
}

// post sends one attempt. It reports whether a failure is worth retrying:
// network errors, 408, 429, 5xx and robot error codes are; other 4xx are
// not.
func (n *Notifier) post(ctx context.Context, hook config.Webhook, body []byte) (bool, error) {
	target := hook.URL
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("make request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "spotcheck")
	switch hook.Format {
	case config.FormatDingTalk:
		if hook.Secret != "" {
			req.URL.RawQuery = dingTalkSign(req.URL.Query(), hook.Secret, n.now()).Encode()
		}
	case config.FormatJSON:
		req.Header.Set("X-Spotcheck-Event", "plan.created")
		if hook.Secret != "" {
			mac := hmac.New(sha256.New, []byte(hook.Secret))
			mac.Write(body)
			req.Header.Set("X-Spotcheck-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		}
	}
	resp, err := n.client.Do(req)
	if err != nil {
		// The error names the URL, which may hold the robot's token.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return true, fmt.Errorf("send to %s: %w", host(target), err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return true, fmt.Errorf("%s answered %s", host(target), resp.Status)
	case resp.StatusCode >= 300:
		return false, fmt.Errorf("%s answered %s", host(target), resp.Status)
	}
	if hook.Format == config.FormatDingTalk || hook.Format == config.FormatWeCom {
		// The robots answer 200 with an error code in the body.
		var r struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if err := json.Unmarshal(reply, &r); err != nil {
			return true, fmt.Errorf("%s answered %q, not a robot's reply", host(target), reply)
		}
		if r.ErrCode != 0 {
			return true, fmt.Errorf("%s robot error %d: %s", host(target), r.ErrCode, r.ErrMsg)
		}
	}
	return false, nil
}

// dingTalkSign adds the timestamp and signature of a DingTalk robot with a
// signing secret: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
func dingTalkSign(q url.Values, secret string, now time.Time) url.Values {
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	q.Set("timestamp", ts)
	q.Set("sign", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return q
}

// host names a webhook in logs and errors without its query, which may
// hold an access token.
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "webhook"
	}
	return u.Host
}

// Text limits of the robots' messages, in bytes, with room to spare: WeCom
// takes 2048, DingTalk 20000.
const (
	weComLimit    = 2000
	dingTalkLimit = 18000
)

// bodies renders a message in its webhook's format: one JSON body, or as
// many robot text messages as the text needs.
func (n *Notifier) bodies(m message, names map[string]string) [][]byte {
	if m.hook.Format == config.FormatJSON {
		type task struct {
			sampling.Task
			CategoryName string   `json:"category_name"`
			CoInspectors []string `json:"co_inspectors"`
		}
		out := struct {
			Event     string    `json:"event"`
			PlanID    int64     `json:"plan_id"`
			Schedule  string    `json:"schedule"`
			Industry  string    `json:"industry"`
			Nominal   time.Time `json:"nominal_time"`
			Inspector string    `json:"inspector"`
			Link      string    `json:"link,omitempty"`
			Tasks     []task    `json:"tasks"`
		}{Event: "plan.created", PlanID: m.plan.ID, Schedule: m.plan.Schedule, Industry: m.plan.Industry, Nominal: m.plan.NominalTime,
			Inspector: m.inspector, Link: n.cfg.Notifications.Link}
		for _, t := range m.tasks {
			out.Tasks = append(out.Tasks, task{Task: t, CategoryName: n.cfg.CategoryName(m.plan.Industry, t.Category), CoInspectors: others(t.Inspectors, m.inspector)})
		}
		data, _ := json.Marshal(out)
		return [][]byte{data}
	}
	limit := dingTalkLimit
	if m.hook.Format == config.FormatWeCom {
		limit = weComLimit
	}
	var texts []string
	var b strings.Builder
	head := fmt.Sprintf("【抽查任务】%s %s：抽查计划 %d 派给您 %d 项任务，请在截止日期前完成（任务保密，请勿外传）。\n",
		m.inspector, names[m.inspector], m.plan.ID, len(m.tasks))
	b.WriteString(head)
	for i, t := range m.tasks {
		line := fmt.Sprintf("%d. %s（%s）%s，%s，截止 %s", i+1, t.Enterprise, t.CreditCode, t.County, n.cfg.CategoryName(m.plan.Industry, t.Category), t.Due)
		if co := others(t.Inspectors, m.inspector); len(co) > 0 {
			for j, id := range co {
				if nm := names[id]; nm != "" {
					co[j] = id + " " + nm
				}
			}
			line += "，同行：" + strings.Join(co, "、")
		}
		line += "\n"
		if b.Len()+len(line) > limit && b.Len() > len(head) {
			texts = append(texts, b.String())
			b.Reset()
			b.WriteString(head)
		}
		b.WriteString(line)
	}
	if link := n.cfg.Notifications.Link; link != "" {
		b.WriteString("办理：" + link + "\n")
	}
	texts = append(texts, b.String())
	bodies := make([][]byte, len(texts))
	for i, text := range texts {
		text = strings.TrimSuffix(text, "\n")
		if len(texts) > 1 {
			text += fmt.Sprintf("\n（%d/%d）", i+1, len(texts))
		}
		bodies[i], _ = json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	}
	return bodies
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
