package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestFailureLimiterWindowEdges: an address is blocked from its max-th
// failure until exactly per after its window's first failure, and a
// failure at that instant starts a new window.
func TestFailureLimiterWindowEdges(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	l := newFailureLimiter(func() time.Time { return now }, 3, 5*time.Minute)
	check := func(when string, wantLeft time.Duration, wantBlocked bool) {
		t.Helper()
		if left, blocked := l.blocked("10.0.0.1"); left != wantLeft || blocked != wantBlocked {
			t.Errorf("%s: blocked = %v, %v; want %v, %v", when, left, blocked, wantLeft, wantBlocked)
		}
	}
	check("no failure", 0, false)
	l.fail("10.0.0.1")
	l.fail("10.0.0.1")
	check("two failures of three", 5*time.Minute, false)
	now = t0.Add(time.Minute)
	l.fail("10.0.0.1")
	check("the third failure, a minute later", 4*time.Minute, true)
	now = t0.Add(5*time.Minute - time.Nanosecond)
	check("1 ns before the window ends", time.Nanosecond, true)
	now = t0.Add(5 * time.Minute)
	check("when the window ends", 0, false)
	if _, ok := l.counts["10.0.0.1"]; ok {
		t.Errorf("the ended window is still counted")
	}
	// A failure exactly per after the window's start starts a new one.
	l.fail("10.0.0.2")
	l.fail("10.0.0.2")
	l.fail("10.0.0.2")
	now = t0.Add(10 * time.Minute)
	l.fail("10.0.0.2")
	if w := l.counts["10.0.0.2"]; w.n != 1 || !w.start.Equal(now) {
		t.Errorf("failure at the end of the window: window %+v, want a new one of 1 failure from %s", *w, now)
	}
}

// TestFailureLimiterForgetsAbove100000: once more than 100,000 addresses
// are counted, a failure forgets the windows that ended (those exactly
// per old included); at 100,000 it forgets nothing.
func TestFailureLimiterForgetsAbove100000(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		addresses int
		want      int
	}{
		{100000, 100001},
		{100001, 1},
	} {
		now := t0
		l := newFailureLimiter(func() time.Time { return now }, 3, 5*time.Minute)
		for i := range tt.addresses {
			l.fail(fmt.Sprint(i))
		}
		now = t0.Add(5 * time.Minute)
		l.fail("new")
		if len(l.counts) != tt.want {
			t.Errorf("%d addresses whose windows ended exactly now, then one more: %d counted, want %d", tt.addresses, len(l.counts), tt.want)
		}
	}
}

// TestRetryAfterRoundsUp: a blocked address is told to retry after the
// whole seconds left in its window plus one, so that a client waiting that
// long is never still blocked.
func TestRetryAfterRoundsUp(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	g := &guard{now: func() time.Time { return now }, limiter: newFailureLimiter(func() time.Time { return now }, 1, 5*time.Minute)}
	g.limiter.fail("192.0.2.1") // httptest's RemoteAddr
	for _, tt := range []struct {
		at   time.Duration // after the failure
		want string
	}{
		{0, "301"},
		{29*time.Second + 500*time.Millisecond, "271"}, // 270.5 s left
		{4*time.Minute + 59*time.Second, "2"},          // 1 s left
	} {
		now = t0.Add(tt.at)
		w := httptest.NewRecorder()
		if _, ok := g.check(w, httptest.NewRequest("GET", "/api/v1/rates", nil), "spc_x"); ok || w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != tt.want {
			t.Errorf("%s after the failure: %v, %d, Retry-After %q; want refused, 429, %s", tt.at, ok, w.Code, w.Header().Get("Retry-After"), tt.want)
		}
	}
}
