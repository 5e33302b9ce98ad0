// Package httpapi serves spotcheck's HTTP API: health, metrics, plans,
// rates and result recording. Errors are application/problem+json.
package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/bulletin"
	"spotcheck/chores"
	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/storage"
)

// Deps are what the handlers need.
type Deps struct {
	Config  *config.Config
	Store   *storage.Store
	Monitor *monitor.Monitor
	// Chores closes plans when a change or an admin asks.
	Chores *chores.Chores
	// Bulletins renders the bulletin pages.
	Bulletins *bulletin.Renderer
	Gatherer  prometheus.Gatherer
	Logger    *slog.Logger
	Now       func() time.Time

	// Registerer receives the HTTP request metrics; none are kept when nil.
	Registerer prometheus.Registerer
}

// NewHandler returns the service's HTTP handler.
func NewHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	g := &guard{store: d.Store, logger: d.Logger.With("component", "auth"), now: d.Now,
		limiter: newFailureLimiter(d.Now, maxAuthFailures, authFailureWindow)}
	addRoutes(mux, d, g, newPages(d, g), newDrawPages(d))
	return logRequests(d.Logger, harden(instrument(d.Registerer, mux)))
}

// problem writes an RFC 9457 problem document with an errors list: errs,
// each naming a problem's place and reason, or the detail alone.
func problem(w http.ResponseWriter, status int, detail string, errs ...string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	if len(errs) == 0 {
		errs = []string{detail} // every problem has its errors list
	}
	body := map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail, "errors": errs}
	json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	logger = logger.With("component", "http")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelError
		}
		logger.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(began))
	})
}
