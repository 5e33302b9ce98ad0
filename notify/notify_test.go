package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"spotcheck/config"
	"spotcheck/sampling"
)

// inProcess serves requests with a handler in the same process, so that
// deliveries run inside a synctest bubble, whose clock skips the backoff.
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// receiver records what webhooks receive and answers with reply(n), n
// counting from 1.
type receiver struct {
	mu    sync.Mutex
	got   []*http.Request
	body  []string
	at    []time.Time
	reply func(w http.ResponseWriter, n int)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, r)
	rc.body = append(rc.body, string(data))
	rc.at = append(rc.at, time.Now())
	n := len(rc.got)
	rc.mu.Unlock()
	rc.reply(w, n)
}

func robotOK(w http.ResponseWriter, _ int) { io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`) }

func testPlan(tasks int) sampling.Plan {
	p := sampling.Plan{ID: 17, Schedule: "textiles-monthly", Industry: "textiles", NominalTime: time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)}
	for i := range tasks {
		p.Tasks = append(p.Tasks, sampling.Task{ID: int64(100 + i), CreditCode: "91320500MA0000000W", Enterprise: "苏州第0服装有限公司",
			County: "姑苏区", Category: "garments", Inspectors: []string{"I001", "I002"}, Due: "2026-12-31"})
	}
	return p
}

func newTestNotifier(t *testing.T, n config.Notifications, h http.Handler, now time.Time) (*Notifier, *prometheus.Registry) {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte("industries:\n  - id: textiles\n    categories: [{id: garments, name: 服装, tier: general}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Notifications = n
	reg := prometheus.NewRegistry()
	return New(cfg, reg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Client: &http.Client{Transport: inProcess{h}}, Now: func() time.Time { return now }}), reg
}

// TestRetries: a webhook that fails twice gets the message on the third
// attempt, after the backoff and twice the backoff; one that keeps failing
// is given up after the configured attempts and counted.
func TestRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := &receiver{reply: func(w http.ResponseWriter, n int) {
			if n <= 2 {
				http.Error(w, "down", http.StatusBadGateway)
			}
		}}
		n, _ := newTestNotifier(t, config.Notifications{Inspectors: map[string]config.Webhook{"I001": {URL: "https://hooks.example.gov/a", Format: "json"}},
			Attempts: 4, Backoff: config.Duration(10 * time.Second)}, rc, time.Now())
		n.Start(t.Context())
		start := time.Now()
		n.PlanMade(testPlan(1), nil)
		n.wg.Wait()
		if len(rc.at) != 3 || rc.at[1].Sub(start) != 10*time.Second || rc.at[2].Sub(start) != 30*time.Second {
			t.Fatalf("attempts at %v after start, want 3: at 0s, 10s and 30s", rc.at)
		}
		if got := testutil.ToFloat64(n.sent.WithLabelValues("json", "delivered")); got != 1 {
			t.Errorf("delivered = %v, want 1", got)
		}
		if got := testutil.ToFloat64(n.attempts.WithLabelValues("json", "error")); got != 2 {
			t.Errorf("failed attempts = %v, want 2", got)
		}

		rc.reply = func(w http.ResponseWriter, _ int) { http.Error(w, "down", http.StatusServiceUnavailable) }
		n.PlanMade(testPlan(1), nil)
		n.wg.Wait()
		if got := testutil.ToFloat64(n.sent.WithLabelValues("json", "failed")); got != 1 || len(rc.at) != 3+4 {
			t.Errorf("after a webhook that stays down: failed = %v after %d attempts, want 1 after 4", got, len(rc.at)-3)
		}
		n.Stop()
		n.PlanMade(testPlan(1), nil)
		if got := testutil.ToFloat64(n.sent.WithLabelValues("json", "dropped")); got != 1 {
			t.Errorf("after Stop: dropped = %v, want 1", got)
		}
	})
}

// TestFormats: inspectors with a webhook of their own get their tasks
// there; the others go to the default. DingTalk messages are signed, robot
// error codes are retried, WeCom texts are split under its 2048-byte limit,
// and the JSON body is signed with its secret.
func TestFormats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
		hooks := map[string]*receiver{}
		mux := http.NewServeMux()
		for _, path := range []string{"/dingtalk", "/wecom", "/json"} {
			rc := &receiver{reply: robotOK}
			hooks[path] = rc
			mux.Handle(path, rc)
		}
		hooks["/dingtalk"].reply = func(w http.ResponseWriter, n int) {
			if n == 1 {
				io.WriteString(w, `{"errcode":130101,"errmsg":"send too fast"}`)
				return
			}
			robotOK(w, n)
		}
		n, _ := newTestNotifier(t, config.Notifications{
			Default: &config.Webhook{URL: "https://oapi.example.gov/dingtalk?access_token=SECRET-TOKEN", Format: "dingtalk", Secret: "SEC123"},
			Inspectors: map[string]config.Webhook{
				"I001": {URL: "https://qyapi.example.gov/wecom?key=K", Format: "wecom"},
				"I003": {URL: "https://hooks.example.gov/json", Secret: "s3"},
			},
			Link: "https://spotcheck.example.gov/inspect",
		}, mux, now)
		n.Start(t.Context())
		p := testPlan(40)
		p.Tasks = append(p.Tasks, sampling.Task{ID: 999, Enterprise: "苏州第9服装有限公司", Category: "garments", Inspectors: []string{"I003"}, Due: "2026-12-31"})
		n.PlanMade(p, map[string]string{"I001": "张伟", "I002": "王芳"})
		n.wg.Wait()

		ding := hooks["/dingtalk"]
		if len(ding.got) != 2 {
			t.Fatalf("DingTalk got %d requests, want 2 (an error code, then the retry)", len(ding.got))
		}
		q := ding.got[1].URL.Query()
		mac := hmac.New(sha256.New, []byte("SEC123"))
		mac.Write([]byte(q.Get("timestamp") + "\nSEC123"))
		if q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) || q.Get("access_token") != "SECRET-TOKEN" {
			t.Errorf("DingTalk query %v: want the access token kept and a valid signature", q)
		}
		var msg struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if err := json.Unmarshal([]byte(ding.body[1]), &msg); err != nil || msg.MsgType != "text" ||
			!strings.Contains(msg.Text.Content, "I002 王芳") || !strings.Contains(msg.Text.Content, "同行：I001 张伟") {
			t.Errorf("DingTalk body %s (%v): want a text message to I002 naming co-inspector I001 张伟", ding.body[1], err)
		}

		wecom := hooks["/wecom"]
		if len(wecom.body) < 2 {
			t.Fatalf("WeCom got %d messages for 40 tasks, want the text split in several", len(wecom.body))
		}
		lines, linked := 0, false
		for _, b := range wecom.body {
			if err := json.Unmarshal([]byte(b), &msg); err != nil {
				t.Fatal(err)
			}
			if len(msg.Text.Content) > 2048 || !strings.HasPrefix(msg.Text.Content, "【抽查任务】I001") {
				t.Errorf("WeCom text of %d bytes starting %.40q: want at most 2048, to I001", len(msg.Text.Content), msg.Text.Content)
			}
			lines += strings.Count(msg.Text.Content, "截止 2026-12-31")
			linked = linked || strings.Contains(msg.Text.Content, "https://spotcheck.example.gov/inspect")
		}
		if lines != 40 || !linked {
			t.Errorf("WeCom messages list %d tasks, link %t; want 40 and the link", lines, linked)
		}

		js := hooks["/json"]
		if len(js.got) != 1 {
			t.Fatalf("JSON webhook got %d requests, want 1", len(js.got))
		}
		mac = hmac.New(sha256.New, []byte("s3"))
		mac.Write([]byte(js.body[0]))
		var body struct {
			Event string `json:"event"`
			Tasks []struct {
				ID           int64  `json:"id"`
				CategoryName string `json:"category_name"`
			} `json:"tasks"`
		}
		json.Unmarshal([]byte(js.body[0]), &body)
		if js.got[0].Header.Get("X-Spotcheck-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) || body.Event != "plan.created" ||
			len(body.Tasks) != 1 || body.Tasks[0].ID != 999 || body.Tasks[0].CategoryName != "服装" {
			t.Errorf("JSON webhook: signature %q, body %s; want a valid signature and I003's one task", js.got[0].Header.Get("X-Spotcheck-Signature"), js.body[0])
		}
	})
}
