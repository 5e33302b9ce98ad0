package httpapi

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestPagesSignIn: only an inspector's own (not feed) token signs in to
// the pages, with a 12-hour session cookie that is Secure when the client's
// connection is TLS, directly or to the proxy; an admin's, a viewer's or a
// feed token is refused (401) like a wrong one; after the limit of
// failures the form answers 429 with Retry-After rounded up (301 s of a
// 5-minute window); ?lang= is kept in a year-long cookie; a stale session
// cookie is deleted on the way to sign in; signing out ends the session
// and deletes its cookie; and none of these pages logs an error.
func TestPagesSignIn(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	var logs logBuffer
	d := f.deps
	d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	pg := newPages(d, &guard{store: f.store, logger: d.Logger, now: f.clock.now, limiter: newFailureLimiter(f.clock.now, 1, 5*time.Minute)})
	post := func(token string, viaTLS bool, proto string) *http.Response {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/inspect/login", strings.NewReader("token="+token))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if viaTLS {
			r.TLS = &tls.ConnectionState{}
		}
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		w := httptest.NewRecorder()
		pg.login(w, r)
		return w.Result()
	}
	cookie := func(resp *http.Response, name string) *http.Cookie {
		for _, c := range resp.Cookies() {
			if c.Name == name {
				return c
			}
		}
		return nil
	}
	for _, tc := range []struct {
		what, proto string
		viaTLS      bool
		secure      bool
	}{
		{"plain HTTP", "", false, false},
		{"TLS", "", true, true},
		{"a proxy's TLS", "https", false, true},
		{"a proxy's plain HTTP", "http", false, false},
	} {
		resp := post(f.tokens["A"], tc.viaTLS, tc.proto)
		c := cookie(resp, sessionCookie)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/inspect" || c == nil || c.MaxAge != 12*3600 || c.Secure != tc.secure {
			t.Errorf("A signs in over %s = %d to %q, session cookie %+v; want 303 to /inspect, Max-Age 43200, Secure %v",
				tc.what, resp.StatusCode, resp.Header.Get("Location"), c, tc.secure)
		}
	}
	for _, caller := range []string{"admin", "viewer", "feedA"} {
		if resp := post(f.tokens[caller], false, ""); resp.StatusCode != http.StatusUnauthorized || cookie(resp, sessionCookie) != nil {
			t.Errorf("%s signs in = %d, want 401 and no session", caller, resp.StatusCode)
		}
	}
	if resp := post("spc_wrong", false, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token signs in = %d, want 401", resp.StatusCode)
	}
	if resp := post(f.tokens["A"], false, ""); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "301" {
		t.Errorf("A signs in after the limit = %d, Retry-After %q; want 429, 301", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	w := httptest.NewRecorder()
	pg.loginForm(w, httptest.NewRequest(http.MethodGet, "/inspect/login?lang=en", nil))
	if c := cookie(w.Result(), "lang"); w.Code != http.StatusOK || c == nil || c.Value != "en" || c.MaxAge != 365*24*3600 || c.Path != "/inspect" {
		t.Errorf("GET /inspect/login?lang=en = %d, lang cookie %+v; want 200, en for a year on /inspect", w.Code, c)
	}
	stale := httptest.NewRequest(http.MethodGet, "/inspect", nil)
	stale.AddCookie(&http.Cookie{Name: sessionCookie, Value: "no-such-session"})
	w = httptest.NewRecorder()
	pg.session(pg.list).ServeHTTP(w, stale)
	if c := cookie(w.Result(), sessionCookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/inspect/login" || c == nil || c.MaxAge != -1 || c.Value != "" {
		t.Errorf("GET /inspect with a stale session = %d to %q, cookie %+v; want 303 to /inspect/login, the cookie deleted (Max-Age=0)", w.Code, w.Header().Get("Location"), c)
	}
	// Sign out: the session ends and its cookie is deleted.
	f.clock.set(f.clock.now().Add(6 * time.Minute)) // past the failures' window
	in := cookie(post(f.tokens["A"], false, ""), sessionCookie)
	if in == nil {
		t.Fatal("A signs in: no session cookie")
	}
	_, csrf, err := f.store.Session(t.Context(), in.Value, f.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	out := httptest.NewRequest(http.MethodPost, "/inspect/logout", strings.NewReader("csrf="+csrf))
	out.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	out.AddCookie(in)
	w = httptest.NewRecorder()
	pg.session(pg.logout).ServeHTTP(w, out)
	if c := cookie(w.Result(), sessionCookie); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/inspect/login" || c == nil || c.MaxAge != -1 {
		t.Errorf("POST /inspect/logout = %d to %q, cookie %+v; want 303 to /inspect/login, the cookie deleted", w.Code, w.Header().Get("Location"), c)
	}
	if _, _, err := f.store.Session(t.Context(), in.Value, f.clock.now()); !errors.Is(err, storage.ErrBadToken) {
		t.Errorf("the session after signing out: %v, want ErrBadToken", err)
	}
	if got := logs.records(t, slog.LevelError); len(got) != 0 {
		t.Errorf("errors logged: %q", got)
	}
}

// TestTaskPageForms: an inspector's task page offers the forms its state
// allows: sampling, a result and a refusal while assigned; a result once
// sampled; closing once tested; none once the plan is closed. The
// sampling form stores its quantity and the page then says it was saved;
// on an overdue plan it leaves the plan open (only a refusal or a close
// can complete it).
func TestTaskPageForms(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	// The day after the tasks' due date: the plan is overdue, left open
	// until a refusal or a close completes it (or the chores' sweep).
	due, err := time.ParseInLocation(time.DateOnly, f.plan.Tasks[0].Due.String(), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.set(due.AddDate(0, 0, 1).Add(9 * time.Hour))
	id, _, err := f.store.CreateSession(t.Context(), f.tokIDs["A"], f.clock.now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	page := func(query string) string {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/inspect/tasks/%d%s", f.srv.URL, f.taskA, query), nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("task page = %d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	forms := func() []string {
		t.Helper()
		body := page("")
		var out []string
		for _, form := range []string{"sample", "result", "close", "refuse"} {
			if strings.Contains(body, fmt.Sprintf(`id="%s-form"`, form)) {
				out = append(out, form)
			}
		}
		return out
	}
	step := func(state string, want []string) {
		t.Helper()
		if got := forms(); !slices.Equal(got, want) {
			t.Errorf("forms of a task %s = %q, want %q", state, got, want)
		}
	}
	step("assigned", []string{"sample", "result", "refuse"})
	today := f.clock.now().In(shanghai).Format(time.DateOnly)
	// The sampling form, with its quantity: stored, then shown as saved.
	_, csrf, err := f.store.Session(t.Context(), id, f.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	postForm := func(action, form string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, fmt.Sprintf("%s/inspect/tasks/%d/%s", f.srv.URL, f.taskA, action),
			strings.NewReader("csrf="+csrf+"&"+form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, _ := postForm("sample", fmt.Sprintf("sampled_on=%s&batch_no=B1&quantity=2&seals=F1", today))
	if want := fmt.Sprintf("/inspect/tasks/%d?saved=1", f.taskA); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("sampling form = %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if d, err := f.store.TaskDetail(t.Context(), f.taskA, sampling.Today(f.clock.now(), shanghai)); err != nil || d.Sampling == nil || d.Sampling.Quantity != 2 {
		t.Errorf("task after the sampling form = %+v, %v; want sampled, quantity 2", d.Sampling, err)
	}
	if !strings.Contains(page("?saved=1"), `<p class="flash" role="status">已保存。</p>`) || strings.Contains(page(""), `class="flash"`) {
		t.Errorf("the task page says saved with ?saved=1 only: want it")
	}
	step("sampled", []string{"result"})
	// A refusal of the sampled task (a stale form) names its state.
	if _, body := postForm("refuse", "reason=production_stopped"); !strings.Contains(body, "该任务现为“已抽样”，不能这样办理，请刷新页面。") {
		t.Errorf("a refusal form on a sampled task: want the task's state named:\n%s", body)
	}
	if status, body := f.do("A", http.MethodPost, "/api/v1/results", fmt.Sprintf("task_id,outcome,tested_on\n%d,pass,%s\n", f.taskA, today)); status != http.StatusOK {
		t.Fatalf("result = %d %s", status, body)
	}
	step("tested", []string{"close"})
	if _, err := f.store.ClosePlans(t.Context(), sampling.NewDay(2027, 2, 1), f.clock.now()); err != nil {
		t.Fatal(err)
	}
	step("of a closed plan", nil)
	// A result form on a task of a closed plan (a stale form) says the plan
	// is closed.
	if _, body := postForm("close", ""); !strings.Contains(body, "该任务所属的抽查计划已结束，不能再登记。") {
		t.Errorf("a close form on a task of a closed plan: want the plan said closed:\n%s", body)
	}
}
