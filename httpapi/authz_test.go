package httpapi

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// callers of the authorization matrix, in column order.
var callers = []string{"", "viewer", "A", "B", "admin"}

// TestAuthorization walks every route with every caller: anonymous, a
// viewer, inspector A, inspector B and an admin. Task routes name a task of
// B, so A must get 404 for it; writes are sent with bodies that the store
// rejects, so that no caller changes what the next one sees.
func TestAuthorization(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			b, plan := f.taskB, f.plan.ID
			csv := fmt.Sprintf("task_id,outcome,tested_on\n%d,pass,2099-01-01\n", b)
			const (
				ok, moved, redirect, unauth, forbidden, notFound, conflict, invalid = 200, 301, 303, 401, 403, 404, 409, 422
			)
			routes := []struct {
				pattern string // as in routes.go
				method  string
				path    string
				body    string
				want    [5]int // anonymous, viewer, A, B, admin
			}{
				{"GET /healthz", "GET", "/healthz", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /readyz", "GET", "/readyz", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /metrics", "GET", "/metrics", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /runbooks/alerts", "GET", "/runbooks/alerts", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /api/v1/rates", "GET", "/api/v1/rates", "", [5]int{unauth, ok, ok, ok, ok}},
				{"GET /api/v1/rates/history", "GET", "/api/v1/rates/history?tier=general&window=30d", "", [5]int{unauth, ok, ok, ok, ok}},
				{"GET /api/v1/execution", "GET", "/api/v1/execution", "", [5]int{unauth, ok, ok, ok, ok}},
				{"GET /api/v1/bulletins/{period}", "GET", "/api/v1/bulletins/2026", "", [5]int{unauth, ok, forbidden, forbidden, ok}},
				{"GET /api/v1/plans", "GET", "/api/v1/plans", "", [5]int{unauth, ok, ok, ok, ok}},
				{"GET /api/v1/plans/{id}", "GET", fmt.Sprintf("/api/v1/plans/%d", plan), "", [5]int{unauth, ok, ok, ok, ok}},
				{"GET /api/v1/tasks", "GET", "/api/v1/tasks", "", [5]int{unauth, forbidden, ok, ok, ok}},
				{"GET /api/v1/tasks.csv", "GET", "/api/v1/tasks.csv", "", [5]int{unauth, forbidden, ok, ok, ok}},
				{"GET /api/v1/tasks.ics", "GET", "/api/v1/tasks.ics", "", [5]int{unauth, forbidden, ok, ok, ok}},
				{"GET /api/v1/tasks/{id}", "GET", fmt.Sprintf("/api/v1/tasks/%d", b), "", [5]int{unauth, forbidden, notFound, ok, ok}},
				{"POST /api/v1/tasks/{id}/sampling", "POST", fmt.Sprintf("/api/v1/tasks/%d/sampling", b), `{"sampled_on":"2026-11-19","batch_no":"","quantity":0}`,
					[5]int{unauth, forbidden, notFound, invalid, invalid}},
				{"POST /api/v1/tasks/{id}/refusal", "POST", fmt.Sprintf("/api/v1/tasks/%d/refusal", b), `{"reason":"bored"}`,
					[5]int{unauth, forbidden, notFound, invalid, invalid}},
				{"POST /api/v1/tasks/{id}/result", "POST", fmt.Sprintf("/api/v1/tasks/%d/result", b), `{"outcome":"maybe","tested_on":"2026-11-19"}`,
					[5]int{unauth, forbidden, notFound, invalid, invalid}},
				{"POST /api/v1/tasks/{id}/close", "POST", fmt.Sprintf("/api/v1/tasks/%d/close", b), "", [5]int{unauth, forbidden, notFound, conflict, conflict}},
				{"POST /api/v1/results", "POST", "/api/v1/results", csv, [5]int{unauth, forbidden, invalid, invalid, invalid}},
				{"POST /api/v1/plans/close", "POST", "/api/v1/plans/close", "", [5]int{unauth, forbidden, forbidden, forbidden, ok}},
				{"GET /api/v1/public/plans", "GET", "/api/v1/public/plans", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /api/v1/public/plans/{id}", "GET", fmt.Sprintf("/api/v1/public/plans/%d", plan), "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /api/v1/public/key", "GET", "/api/v1/public/key", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /api/v1/public/bulletins/{period}", "GET", "/api/v1/public/bulletins/2026", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /public/bulletins/{period}", "GET", "/public/bulletins/2026?lang=en", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /api/v1/public/announcements", "GET", "/api/v1/public/announcements", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /api/v1/public/announcements/{seq}", "GET", "/api/v1/public/announcements/1", "", [5]int{notFound, notFound, notFound, notFound, notFound}},
				{"GET /public/draws.css", "GET", "/public/draws.css", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /public/{$}", "GET", "/public/", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /public", "GET", "/public", "", [5]int{moved, moved, moved, moved, moved}},
				{"GET /public/announcements", "GET", "/public/announcements", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /public/announcements/{seq}", "GET", "/public/announcements/1", "", [5]int{notFound, notFound, notFound, notFound, notFound}},
				{"GET /public/plans/{id}", "GET", fmt.Sprintf("/public/plans/%d", plan), "", [5]int{ok, ok, ok, ok, ok}},
				// The pages take a session cookie, never a bearer token.
				{"GET /inspect/style.css", "GET", "/inspect/style.css", "", [5]int{ok, ok, ok, ok, ok}},
				{"GET /inspect/login", "GET", "/inspect/login", "", [5]int{ok, ok, ok, ok, ok}},
				{"POST /inspect/login", "POST", "/inspect/login", "", [5]int{unauth, unauth, unauth, unauth, unauth}},
				{"POST /inspect/logout", "POST", "/inspect/logout", "", [5]int{redirect, redirect, redirect, redirect, redirect}},
				{"GET /inspect", "GET", "/inspect", "", [5]int{redirect, redirect, redirect, redirect, redirect}},
				{"GET /inspect/tasks/{id}", "GET", fmt.Sprintf("/inspect/tasks/%d", b), "", [5]int{redirect, redirect, redirect, redirect, redirect}},
				{"POST /inspect/tasks/{id}/{action}", "POST", fmt.Sprintf("/inspect/tasks/%d/close", b), "", [5]int{redirect, redirect, redirect, redirect, redirect}},
				{"/", "GET", "/api/v1/nothing", "", [5]int{notFound, notFound, notFound, notFound, notFound}},
			}
			for _, rt := range routes {
				for i, caller := range callers {
					got, body := f.do(caller, rt.method, rt.path, rt.body)
					if got != rt.want[i] {
						t.Errorf("%s %s as %s = %d, want %d\n%s", rt.method, rt.path, name(caller), got, rt.want[i], body)
					}
				}
			}

			// Every route of routes.go is in the table.
			src, err := os.ReadFile("routes.go")
			if err != nil {
				t.Fatal(err)
			}
			var covered []string
			for _, rt := range routes {
				covered = append(covered, rt.pattern)
			}
			for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
				if !slices.Contains(covered, m[1]) {
					t.Errorf("route %q of routes.go is not in the authorization table", m[1])
				}
			}
		})
	}
}

func name(caller string) string {
	if caller == "" {
		return "anonymous"
	}
	return caller
}

// TestTokens: bad, revoked and expired tokens are 401; a feed token serves
// only the calendar feed, and only from its URL or header.
func TestTokens(t *testing.T) {
	f := newFixture(t, "sqlite")
	get := func(path, auth string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	feed := f.tokens["feedA"]
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/api/v1/rates", "Bearer spc_000000000000_nope", http.StatusUnauthorized},
		{"/api/v1/rates", "Bearer " + strings.Replace(f.tokens["admin"], "_", "_x", 2), http.StatusUnauthorized},
		{"/api/v1/rates", "Basic " + f.tokens["admin"], http.StatusUnauthorized},
		{"/api/v1/rates", "Bearer " + feed, http.StatusForbidden},
		{"/api/v1/tasks?token=" + feed, "", http.StatusUnauthorized},
		{"/api/v1/tasks.ics?token=" + feed, "", http.StatusOK},
		{"/api/v1/tasks.ics", "Bearer " + feed, http.StatusOK},
		{"/api/v1/tasks.ics?token=" + f.tokens["viewer"], "", http.StatusForbidden},
		{"/api/v1/tasks.ics?token=spc_000000000000_nope", "", http.StatusUnauthorized},
	} {
		if got := get(c.path, c.auth); got != c.want {
			t.Errorf("GET %s with %q = %d, want %d", c.path, c.auth, got, c.want)
		}
	}

	if err := f.store.RevokeToken(t.Context(), f.tokIDs["B"], f.clock.now()); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.do("B", "GET", "/api/v1/tasks", ""); got != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/tasks with a revoked token = %d, want 401", got)
	}
	short, _, err := f.store.CreateToken(t.Context(), storage.NewToken{Role: sampling.RoleViewer, TTL: time.Hour}, f.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if got := get("/api/v1/rates", "Bearer "+short); got != http.StatusOK {
		t.Errorf("GET /api/v1/rates with a fresh token = %d, want 200", got)
	}
	f.clock.set(f.clock.now().Add(2 * time.Hour))
	if got := get("/api/v1/rates", "Bearer "+short); got != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/rates with an expired token = %d, want 401", got)
	}
}

// TestAuthFailureLimit: an address that keeps failing gets 429, even with a
// good token, until its window ends.
func TestAuthFailureLimit(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := range maxAuthFailures {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+"/api/v1/rates", nil)
		req.Header.Set("Authorization", fmt.Sprintf("Bearer spc_%012d_guess", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d, want 401", i+1, resp.StatusCode)
		}
	}
	if got, _ := f.do("admin", "GET", "/api/v1/rates", ""); got != http.StatusTooManyRequests {
		t.Errorf("after %d failures, a good token = %d, want 429", maxAuthFailures, got)
	}
	f.clock.set(f.clock.now().Add(authFailureWindow))
	if got, _ := f.do("admin", "GET", "/api/v1/rates", ""); got != http.StatusOK {
		t.Errorf("after the window, a good token = %d, want 200", got)
	}
}

// TestHardening: large bodies get 413, pages carry security headers, and a
// cross-site form post is refused.
func TestHardening(t *testing.T) {
	f := newFixture(t, "sqlite")
	big := `{"batch_no":"` + strings.Repeat("x", maxBody) + `"}`
	if got, _ := f.do("A", "POST", fmt.Sprintf("/api/v1/tasks/%d/sampling", f.taskA), big); got != http.StatusRequestEntityTooLarge {
		t.Errorf("POST a body over %d bytes = %d, want 413", maxBody, got)
	}
	resp, err := http.Get(f.srv.URL + "/inspect/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("Content-Security-Policy = %q, want no scripts and forms to self only", csp)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+"/inspect/login", strings.NewReader("token="+f.tokens["A"]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in post = %d, want 403", resp.StatusCode)
	}
}
