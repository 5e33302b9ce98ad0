package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"spotcheck/config"
	"spotcheck/demo"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// delivery is one request a receiver got.
type delivery struct {
	path, messageID, event string
	query                  map[string][]string
	signature              string
	body                   string
	at                     time.Time // the test clock's time
}

// receiver records what webhooks receive and answers with reply(path, n),
// n counting the requests of the message id from 1.
type receiver struct {
	mu    sync.Mutex
	clock *clock
	got   []delivery
	count map[string]int
	reply func(w http.ResponseWriter, path string, n int)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{path: r.URL.Path, messageID: r.Header.Get("X-Spotcheck-Message-Id"), event: r.Header.Get("X-Spotcheck-Event"),
		query: r.URL.Query(), signature: r.Header.Get("X-Spotcheck-Signature"), body: string(data), at: rc.clock.now()})
	id := r.Header.Get("X-Spotcheck-Message-Id")
	rc.count[id]++
	n := rc.count[id]
	rc.mu.Unlock()
	if rc.reply != nil {
		rc.reply(w, r.URL.Path, n)
		return
	}
	io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// shanghai is the service's zone in these tests.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fixture is a store with the demo registry, a schedule of the textiles
// industry, a receiver of webhooks and a notifier, on a settable clock.
type fixture struct {
	store *storage.Store
	cfg   *config.Config
	clock *clock
	rc    *receiver
	url   string
	reg   *prometheus.Registry
	n     *Notifier
	sched *scheduler.Scheduler
}

// newFixture loads notifications (YAML under notifications:, with URL
// standing for the receiver's address) into the configuration.
func newFixture(t *testing.T, backend, notifications string, start time.Time) *fixture {
	t.Helper()
	f := &fixture{store: storagetest.Open(t, backend), clock: &clock{t: start}}
	f.rc = &receiver{clock: f.clock, count: map[string]int{}}
	srv := httptest.NewServer(f.rc)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	units, inspectors := demo.Registry(1)
	if err := f.store.UpsertUnits(t.Context(), units); err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpsertInspectors(t.Context(), inspectors); err != nil {
		t.Fatal(err)
	}
	doc := `timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
      - {id: childrens-garments, name: 童装, tier: key}
schedules:
  - name: textiles-test
    industry: textiles
    cron: "0 9 1 * *"
    batches: 4
    inspectors_per_task: 2
    due: 10d
notifications:
` + strings.ReplaceAll(notifications, "URL", srv.URL)
	cfg, err := config.Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	f.cfg = cfg
	f.reg = prometheus.NewRegistry()
	f.n = New(cfg, f.store, f.reg, storagetest.Logger(t), Options{Now: f.clock.now})
	f.sched, err = scheduler.New(cfg, f.store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: f.clock.now, Notices: Notices(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// plan makes a plan now.
func (f *fixture) plan(t *testing.T) sampling.Plan {
	t.Helper()
	p, made, err := f.sched.Fire(t.Context(), scheduler.FireRequest{Schedule: "textiles-test", Kind: sampling.KindManual, NominalTime: f.clock.now(), RequestedBy: "test"})
	if err != nil || !made {
		t.Fatalf("Fire = %v, %v", made, err)
	}
	return p
}

// round runs one round of the notifier at the clock's time.
func (f *fixture) round(t *testing.T) int {
	t.Helper()
	k, err := f.n.round(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// inspectorsOf lists a plan's inspectors.
func inspectorsOf(p sampling.Plan) []string {
	var ids []string
	for _, t := range p.Tasks {
		for _, id := range t.Inspectors {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestRetriesAndFailures: a webhook that fails twice gets the message on
// the third attempt, after the backoff and twice the backoff, by the
// outbox's clock; a message that keeps failing ends failed with its last
// error after the configured attempts, and one refused with a 4xx at once;
// the metrics show them.
func TestRetriesAndFailures(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			start := time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)
			f := newFixture(t, backend, "  default: {url: URL/flaky}\n  attempts: 3\n  backoff: 10s\n", start)
			// Every message's first two attempts fail.
			f.rc.reply = func(w http.ResponseWriter, _ string, n int) {
				if n <= 2 {
					http.Error(w, "down", http.StatusBadGateway)
				}
			}
			p := f.plan(t)
			ids := inspectorsOf(p)
			for _, at := range []time.Duration{0, 5 * time.Second, 10 * time.Second, 29 * time.Second, 30 * time.Second, time.Hour} {
				f.clock.set(start.Add(at))
				for f.round(t) > 0 {
				}
			}
			got := map[string][]time.Duration{}
			for _, d := range f.rc.deliveries() {
				got[d.messageID] = append(got[d.messageID], d.at.Sub(start))
			}
			if len(got) != len(ids) {
				t.Fatalf("messages to %d inspectors, want %d: %v", len(got), len(ids), got)
			}
			for _, id := range ids {
				mid := fmt.Sprintf("spotcheck/plan/%d/%s", p.ID, id)
				if w := []time.Duration{0, 10 * time.Second, 30 * time.Second}; !slices.Equal(got[mid], w) {
					t.Errorf("%s sent at %v, want %v", mid, got[mid], w)
				}
			}
			sent, err := f.store.Notices(t.Context(), storage.NoticeFilter{Status: storage.NoticeSent})
			if err != nil || len(sent) != len(ids) || sent[0].Attempts != 3 || sent[0].LastError != "" {
				t.Errorf("sent = %+v, %v; want %d, each after 3 attempts", sent, err, len(ids))
			}
			if v := testutil.ToFloat64(f.n.sent.WithLabelValues("json", "delivered")); int(v) != len(ids) {
				t.Errorf("delivered = %v, want %d", v, len(ids))
			}
			if v := testutil.ToFloat64(f.n.sent.WithLabelValues("json", "retry")); int(v) != 2*len(ids) {
				t.Errorf("retries = %v, want %d", v, 2*len(ids))
			}

			// A receiver that stays down: given up after 3 attempts.
			f.rc.reply = func(w http.ResponseWriter, _ string, _ int) { http.Error(w, "down", http.StatusServiceUnavailable) }
			start = start.AddDate(0, 1, 0)
			f.clock.set(start)
			p = f.plan(t)
			for _, at := range []time.Duration{0, 10 * time.Second, 30 * time.Second, time.Hour} {
				f.clock.set(start.Add(at))
				for f.round(t) > 0 {
				}
			}
			failed, err := f.store.Notices(t.Context(), storage.NoticeFilter{Status: storage.NoticeFailed, PlanID: p.ID})
			if err != nil || len(failed) != len(inspectorsOf(p)) {
				t.Fatalf("failed = %v, %v; want all %d", failed, err, len(inspectorsOf(p)))
			}
			for _, n := range failed {
				if n.Attempts != 3 || !strings.HasSuffix(n.LastError, "answered 503 Service Unavailable") {
					t.Errorf("failed message %s: %d attempts, last error %q; want 3 and the 503", n.MessageID, n.Attempts, n.LastError)
				}
			}
			f.n.refreshStats(t.Context())
			want := fmt.Sprintf(`
# HELP spotcheck_notifications_failed Outbox messages given up after their attempts; `+"`spotcheck notifications retry`"+` queues them again.
# TYPE spotcheck_notifications_failed gauge
spotcheck_notifications_failed %d
# HELP spotcheck_notifications_pending Outbox messages due and not yet delivered, at this replica's last look (every notifications.poll).
# TYPE spotcheck_notifications_pending gauge
spotcheck_notifications_pending 0
`, len(failed))
			if err := testutil.GatherAndCompare(f.reg, strings.NewReader(want), "spotcheck_notifications_failed", "spotcheck_notifications_pending"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestGone: a receiver that answers 404 is given up at once, and a
// message to an inspector without a webhook (the configuration changed)
// fails naming the inspector; the oldest pending message's age is
// exported until then.
func TestGone(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)
	f := newFixture(t, storage.SQLite, "  default: {url: URL/gone}\n", start)
	f.rc.reply = func(w http.ResponseWriter, _ string, _ int) { http.NotFound(w, nil) }
	p := f.plan(t)
	f.clock.set(start.Add(90 * time.Second))
	f.n.refreshStats(t.Context())
	want := fmt.Sprintf(`
# HELP spotcheck_notifications_oldest_pending_age_seconds How long the oldest pending outbox message has been due; 0 when none is pending.
# TYPE spotcheck_notifications_oldest_pending_age_seconds gauge
spotcheck_notifications_oldest_pending_age_seconds 90
# HELP spotcheck_notifications_pending Outbox messages due and not yet delivered, at this replica's last look (every notifications.poll).
# TYPE spotcheck_notifications_pending gauge
spotcheck_notifications_pending %d
`, len(inspectorsOf(p)))
	if err := testutil.GatherAndCompare(f.reg, strings.NewReader(want), "spotcheck_notifications_oldest_pending_age_seconds", "spotcheck_notifications_pending"); err != nil {
		t.Error(err)
	}
	first := inspectorsOf(p)[0]
	f.cfg.Notifications.Default = nil
	f.cfg.Notifications.Inspectors = map[string]config.Webhook{first: {URL: f.url + "/gone", Format: config.FormatJSON}}
	for f.round(t) > 0 {
	}
	failed, err := f.store.Notices(t.Context(), storage.NoticeFilter{Status: storage.NoticeFailed})
	if err != nil || len(failed) != len(inspectorsOf(p)) {
		t.Fatalf("failed = %v, %v; want all", failed, err)
	}
	for _, n := range failed {
		want := fmt.Sprintf("inspector %s has no webhook (notifications.inspectors or notifications.default)", n.Inspector)
		if n.Inspector == first {
			want = strings.TrimPrefix(f.url, "http://") + " answered 404 Not Found"
		}
		if n.LastError != want || n.Attempts != 1 {
			t.Errorf("%s: last error %q after %d attempts, want %q after 1", n.MessageID, n.LastError, n.Attempts, want)
		}
	}
}

// TestReminderTiming follows a plan's life hour by hour on an injected
// clock: each inspector is told of the plan at once; reminded of each task
// 3 days and 1 day before its due date at 09:00 and on the morning after
// it; never of a task tested the day before its 1-day reminder, nor of one
// refused before its due date; and each message is sent once.
func TestReminderTiming(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)
	f := newFixture(t, storage.SQLite, `  default: {url: URL/hook}
  reminders:
    before: [3d, 1d]
    overdue: true
    at: "09:00"
`, start)
	p := f.plan(t)
	if len(p.Tasks) < 3 {
		t.Fatalf("plan has %d tasks, want at least 3", len(p.Tasks))
	}
	due, err := time.ParseInLocation(time.DateOnly, p.Tasks[0].Due.String(), shanghai)
	if err != nil || p.Tasks[0].Due != "2026-12-11" {
		t.Fatalf("due %q, want 2026-12-11 (10 days after the plan)", p.Tasks[0].Due)
	}
	nine := func(d time.Time, days int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day()+days, 9, 0, 0, 0, shanghai)
	}
	tested, refused := p.Tasks[0], p.Tasks[1]
	for at := start; !at.After(nine(due, 3)); at = at.Add(time.Hour) {
		f.clock.set(at)
		switch at {
		case nine(due, -2): // 2026-12-09 09:00, the day before the 1-day reminder
			if _, err := f.store.RecordResults(t.Context(), []sampling.Result{{TaskID: tested.ID, Outcome: sampling.OutcomePass, TestedOn: "2026-12-09"}},
				time.Date(2026, 12, 9, 0, 0, 0, 0, shanghai)); err != nil {
				t.Fatal(err)
			}
		case nine(due, -1).Add(-2 * time.Hour): // 2026-12-10 07:00
			if err := f.store.RecordRefusal(t.Context(), refused.ID, sampling.Refusal{Reason: sampling.RefusalStopped}, at); err != nil {
				t.Fatal(err)
			}
		}
		for f.round(t) > 0 {
		}
	}
	got := map[string]time.Time{}
	for _, d := range f.rc.deliveries() {
		if _, dup := got[d.messageID]; dup {
			t.Errorf("%s sent twice", d.messageID)
		}
		got[d.messageID] = d.at
	}
	want := map[string]time.Time{}
	for _, id := range inspectorsOf(p) {
		want[fmt.Sprintf("spotcheck/plan/%d/%s", p.ID, id)] = start
	}
	for _, task := range p.Tasks {
		for _, id := range task.Inspectors {
			want[fmt.Sprintf("spotcheck/task/%d/reminder-3d/%s", task.ID, id)] = nine(due, -3)
			if task.ID != tested.ID && task.ID != refused.ID {
				want[fmt.Sprintf("spotcheck/task/%d/reminder-1d/%s", task.ID, id)] = nine(due, -1)
				want[fmt.Sprintf("spotcheck/task/%d/overdue/%s", task.ID, id)] = nine(due, 1)
			}
		}
	}
	for id, at := range want {
		if g, ok := got[id]; !ok || !g.Equal(at) {
			t.Errorf("%s sent at %v (sent: %t), want %v", id, g, ok, at)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s sent, want not", id)
		}
	}
	cancelled, err := f.store.Notices(t.Context(), storage.NoticeFilter{Status: storage.NoticeCancelled})
	if err != nil || len(cancelled) != 2*(len(tested.Inspectors)+len(refused.Inspectors)) {
		t.Errorf("cancelled = %d, %v; want the 1-day and overdue reminders of the tested and the refused task", len(cancelled), err)
	}
	// The reminder's text names the due date, in Chinese.
	for _, d := range f.rc.deliveries() {
		if strings.Contains(d.messageID, "/reminder-1d/") {
			var body struct {
				Event string `json:"event"`
				Text  string `json:"text"`
				Lead  string `json:"lead_time"`
			}
			json.Unmarshal([]byte(d.body), &body)
			if body.Event != "task.reminder" || body.Lead != "1d" || !strings.Contains(body.Text, "以下任务将于 2026-12-11 截止") {
				t.Errorf("1-day reminder body %s: want event task.reminder, lead 1d, a Chinese text naming the due date", d.body)
			}
			break
		}
	}
}

// TestFormats: inspectors with a webhook of their own get their tasks
// there, the others at the default, each in the webhook's language.
// DingTalk messages are signed, robot error codes retried, WeCom texts
// split under its 2048-byte limit and the parts already taken not sent
// again, and the JSON body signed with its secret.
func TestFormats(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)
	f := newFixture(t, storage.SQLite, `  default: {url: "URL/dingtalk?access_token=SECRET-TOKEN", format: dingtalk, secret: SEC123}
  link: https://spotcheck.example.gov/inspect
`, start)
	f.rc.reply = func(w http.ResponseWriter, path string, n int) {
		switch {
		case path == "/dingtalk" && n == 1:
			io.WriteString(w, `{"errcode":130101,"errmsg":"send too fast"}`)
		case path == "/wecom" && n == 2:
			http.Error(w, "busy", http.StatusTooManyRequests)
		default:
			io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	}
	// A plan of 40 tasks, all with the same two inspectors: the WeCom
	// text of 40 tasks needs several parts.
	ins, err := f.store.Inspectors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := ins[0].ID, ins[1].ID, ins[2].ID
	f.cfg.Notifications.Inspectors = map[string]config.Webhook{
		a: {URL: f.url + "/wecom", Format: config.FormatWeCom, Language: "en"},
		c: {URL: f.url + "/json", Format: config.FormatJSON, Secret: "s3"},
	}
	p := sampling.Plan{Schedule: "textiles-test", Industry: "textiles", NominalTime: start, Kind: sampling.KindManual, Status: sampling.PlanOpen}
	units, _ := demo.Registry(1)
	for _, u := range units {
		if len(p.Tasks) == 40 {
			break
		}
		if u.Industry == "textiles" {
			p.Tasks = append(p.Tasks, sampling.Task{CreditCode: u.CreditCode, Enterprise: u.Enterprise, County: u.County, Category: "garments",
				Tier: "general", InclusionProbability: 0.5, Due: "2026-12-31", Status: sampling.TaskAssigned, Inspectors: []string{a, b}})
		}
	}
	p.Tasks = append(p.Tasks[:39], sampling.Task{CreditCode: p.Tasks[39].CreditCode, Enterprise: p.Tasks[39].Enterprise, County: p.Tasks[39].County,
		Category: "garments", Tier: "general", InclusionProbability: 0.5, Due: "2026-12-31", Status: sampling.TaskAssigned, Inspectors: []string{c}})
	if _, err := f.store.Settle(t.Context(), storage.Claim{Schedule: "textiles-test", NominalTime: start, Kind: sampling.KindManual, Status: sampling.FireMade,
		Now: f.clock.now, Notices: Notices(f.cfg)}, func(sampling.DrawRecord) (sampling.Plan, error) { return p, nil }); err != nil {
		t.Fatal(err)
	}
	names, _ := f.store.InspectorNames(t.Context())
	for _, at := range []time.Duration{0, 10 * time.Second, time.Minute} {
		f.clock.set(start.Add(at))
		for f.round(t) > 0 {
		}
	}
	byPath := map[string][]delivery{}
	for _, d := range f.rc.deliveries() {
		byPath[d.path] = append(byPath[d.path], d)
	}
	var msg struct {
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}

	ding := byPath["/dingtalk"]
	if len(ding) != 2 {
		t.Fatalf("DingTalk got %d requests, want 2 (an error code, then the retry)", len(ding))
	}
	q := ding[1].query
	mac := hmac.New(sha256.New, []byte("SEC123"))
	mac.Write([]byte(q["timestamp"][0] + "\nSEC123"))
	if q["sign"][0] != base64.StdEncoding.EncodeToString(mac.Sum(nil)) || q["access_token"][0] != "SECRET-TOKEN" {
		t.Errorf("DingTalk query %v: want the access token kept and a valid signature", q)
	}
	if err := json.Unmarshal([]byte(ding[1].body), &msg); err != nil || msg.MsgType != "text" ||
		!strings.HasPrefix(msg.Text.Content, "【抽查任务】"+b+" "+names[b]) || !strings.Contains(msg.Text.Content, "同行："+a+" "+names[a]) {
		t.Errorf("DingTalk body %s (%v): want a Chinese text message to %s naming co-inspector %s", ding[1].body, err, b, a)
	}

	wecom := byPath["/wecom"]
	lines, linked, parts := 0, false, map[string]bool{}
	for i, d := range wecom {
		if err := json.Unmarshal([]byte(d.body), &msg); err != nil {
			t.Fatal(err)
		}
		if len(msg.Text.Content) > 2048 || !strings.HasPrefix(msg.Text.Content, "[Spot check] "+a) {
			t.Errorf("WeCom text of %d bytes starting %.40q: want at most 2048, in English, to %s", len(msg.Text.Content), msg.Text.Content, a)
		}
		if i == 1 {
			continue // answered 429: sent again
		}
		if parts[msg.Text.Content] {
			t.Errorf("WeCom part sent twice after it was taken: %.60q", msg.Text.Content)
		}
		parts[msg.Text.Content] = true
		lines += strings.Count(msg.Text.Content, "due 2026-12-31")
		linked = linked || strings.Contains(msg.Text.Content, "Record at: https://spotcheck.example.gov/inspect")
	}
	if len(parts) < 2 || lines != 39 || !linked {
		t.Errorf("WeCom messages: %d parts list %d tasks, link %t; want several parts, 39 tasks and the link", len(parts), lines, linked)
	}

	js := byPath["/json"]
	if len(js) != 1 {
		t.Fatalf("JSON webhook got %d requests, want 1", len(js))
	}
	mac = hmac.New(sha256.New, []byte("s3"))
	mac.Write([]byte(js[0].body))
	var body struct {
		Event     string `json:"event"`
		MessageID string `json:"message_id"`
		Tasks     []struct {
			CreditCode   string `json:"credit_code"`
			CategoryName string `json:"category_name"`
		} `json:"tasks"`
	}
	json.Unmarshal([]byte(js[0].body), &body)
	if js[0].signature != "sha256="+hex.EncodeToString(mac.Sum(nil)) || body.Event != "plan.created" || js[0].event != "plan.created" ||
		body.MessageID != js[0].messageID || !strings.HasSuffix(body.MessageID, "/"+c) ||
		len(body.Tasks) != 1 || body.Tasks[0].CreditCode != p.Tasks[39].CreditCode || body.Tasks[0].CategoryName != "服装" {
		t.Errorf("JSON webhook: signature %q, id %q, body %s; want a valid signature and %s's one task", js[0].signature, js[0].messageID, js[0].body, c)
	}
}
