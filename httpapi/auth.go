package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// principal is who a request acts as: the token it authenticated with.
type principal struct {
	token storage.Token
}

type principalKey struct{}

// principalOf returns the request's principal; the zero principal (no role)
// for public routes.
func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// admin reports whether the principal sees everything.
func (p principal) admin() bool { return p.token.Role == sampling.RoleAdmin }

// inspector returns the inspector id of an inspector's token, else "".
func (p principal) inspector() string {
	if p.token.Role == sampling.RoleInspector {
		return p.token.Inspector
	}
	return ""
}

// actor names the principal in task events: the token id, never its secret.
func (p principal) actor() string {
	if p.token.Inspector != "" {
		return "token:" + p.token.ID + " (inspector " + p.token.Inspector + ")"
	}
	return "token:" + p.token.ID + " (" + string(p.token.Role) + ")"
}

// withPrincipal returns r carrying p, with p as the actor of what the
// request stores.
func withPrincipal(r *http.Request, p principal) *http.Request {
	ctx := context.WithValue(r.Context(), principalKey{}, p)
	return r.WithContext(storage.WithActor(ctx, p.actor()))
}

// Limits on repeated authentication failures from one client address.
const (
	maxAuthFailures   = 20
	authFailureWindow = 5 * time.Minute
)

// failureLimiter counts authentication failures per client address in fixed
// windows; an address over the limit is refused until its window ends.
type failureLimiter struct {
	now func() time.Time
	max int
	per time.Duration

	mu     sync.Mutex
	counts map[string]*failureWindow
}

type failureWindow struct {
	start time.Time
	n     int
}

func newFailureLimiter(now func() time.Time, max int, per time.Duration) *failureLimiter {
	return &failureLimiter{now: now, max: max, per: per, counts: map[string]*failureWindow{}}
}

// blocked reports whether addr is over the limit, and for how long still.
func (l *failureLimiter) blocked(addr string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.counts[addr]
	if w == nil {
		return 0, false
	}
	left := w.start.Add(l.per).Sub(l.now())
	if left <= 0 {
		delete(l.counts, addr)
		return 0, false
	}
	return left, w.n >= l.max
}

// fail counts a failure of addr.
func (l *failureLimiter) fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.counts) > 100000 {
		// Forget windows that ended, so that a scan of many addresses
		// cannot grow the map without bound.
		for k, w := range l.counts {
			if now.Sub(w.start) >= l.per {
				delete(l.counts, k)
			}
		}
	}
	w := l.counts[addr]
	if w == nil || now.Sub(w.start) >= l.per {
		w = &failureWindow{start: now}
		l.counts[addr] = w
	}
	w.n++
}

// clientAddr is the address failures are counted against: the peer's IP.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// guard authenticates requests and checks their role.
type guard struct {
	store   *storage.Store
	logger  *slog.Logger
	now     func() time.Time
	limiter *failureLimiter
}

// errTooMany reports an address over the failure limit.
type errTooMany struct{ retryAfter time.Duration }

func (e *errTooMany) Error() string { return "too many failed authentication attempts" }

// authenticate checks the token text from addr, counting failures.
func (g *guard) authenticate(ctx context.Context, addr, token string) (storage.Token, error) {
	if left, blocked := g.limiter.blocked(addr); blocked {
		return storage.Token{}, &errTooMany{retryAfter: left}
	}
	t, err := g.store.Authenticate(ctx, token, g.now())
	if errors.Is(err, storage.ErrBadToken) {
		g.limiter.fail(addr)
	}
	return t, err
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// require lets a request through when it carries a valid bearer token of one
// of roles: 401 without a valid token, 403 with another role or a feed
// token, 429 for an address with too many failures.
func (g *guard) require(next http.Handler, roles ...sampling.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			unauthorized(w, "this endpoint needs a bearer token: Authorization: Bearer spc_…")
			return
		}
		t, ok := g.check(w, r, token)
		if !ok {
			return
		}
		if t.Feed {
			problem(w, http.StatusForbidden, "a feed token serves only the calendar feed, GET /api/v1/tasks.ics")
			return
		}
		if !slices.Contains(roles, t.Role) {
			allowed := make([]string, len(roles))
			for i, role := range roles {
				allowed[i] = string(role)
			}
			problem(w, http.StatusForbidden, "a "+string(t.Role)+" token may not "+r.Method+" "+r.URL.Path+" (allowed: "+strings.Join(allowed, ", ")+")")
			return
		}
		next.ServeHTTP(w, withPrincipal(r, principal{token: t}))
	})
}

// feed serves the calendar feed to a bearer token of an inspector or admin,
// or to a feed token given in the URL (?token=), which calendar apps send.
func (g *guard) feed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			token = r.URL.Query().Get("token")
		}
		if token == "" {
			unauthorized(w, "the feed needs its token: /api/v1/tasks.ics?token=spc_…")
			return
		}
		t, ok := g.check(w, r, token)
		if !ok {
			return
		}
		if t.Role != sampling.RoleInspector && t.Role != sampling.RoleAdmin {
			problem(w, http.StatusForbidden, "a "+string(t.Role)+" token has no tasks")
			return
		}
		next.ServeHTTP(w, withPrincipal(r, principal{token: t}))
	})
}

// check authenticates token, answering 401, 429 or 500 itself when it
// fails.
func (g *guard) check(w http.ResponseWriter, r *http.Request, token string) (storage.Token, bool) {
	t, err := g.authenticate(r.Context(), clientAddr(r), token)
	var tooMany *errTooMany
	switch {
	case errors.As(err, &tooMany):
		w.Header().Set("Retry-After", strconv.Itoa(int(tooMany.retryAfter.Seconds())+1))
		problem(w, http.StatusTooManyRequests, "too many failed authentication attempts from this address; try again later")
		return t, false
	case errors.Is(err, storage.ErrBadToken):
		unauthorized(w, "the token is not valid: unknown, revoked or expired")
		return t, false
	case err != nil:
		g.logger.Error("authenticate", "err", err)
		problem(w, http.StatusInternalServerError, "internal error; see the service log")
		return t, false
	}
	return t, true
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="spotcheck"`)
	problem(w, http.StatusUnauthorized, detail)
}
