package httpapi

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"spotcheck/storage"
)

// TestPagesSignIn: only an inspector's own (not feed) token signs in to
// the pages, with a 12-hour session cookie that is Secure when the client's
// connection is TLS, directly or to the proxy; an admin's, a viewer's or a
// feed token is refused (401) like a wrong one; after the limit of
// failures the form answers 429 with Retry-After rounded up (301 s of a
// 5-minute window); ?lang= is kept in a year-long cookie; and none of these
// pages logs an error.
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
	if got := logs.records(t, slog.LevelError); len(got) != 0 {
		t.Errorf("errors logged: %q", got)
	}
}
