package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// instrument counts and times the requests that mux answers, by method,
// route pattern and status code, registering the metrics on reg; with a
// nil reg it returns mux as it is. The route is the pattern the request
// matched ("/api/v1/plans/{id}"), never the raw path, so that the labels
// stay bounded whatever clients send.
func instrument(reg prometheus.Registerer, mux *http.ServeMux) http.Handler {
	if reg == nil {
		return mux
	}
	f := promauto.With(reg)
	requests := f.NewCounterVec(prometheus.CounterOpts{
		Name: "spotcheck_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern (\"none\" when no route matched) and status code.",
	}, []string{"method", "route", "code"})
	duration := f.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "spotcheck_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	inFlight := f.NewGauge(prometheus.GaugeOpts{
		Name: "spotcheck_http_requests_in_flight",
		Help: "HTTP requests being answered.",
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Inc()
		defer inFlight.Dec()
		began := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		// ServeMux sets the pattern it matched on r itself.
		route := "none"
		if r.Pattern != "" {
			route = r.Pattern
			if _, path, ok := strings.Cut(route, " "); ok {
				route = path // the method is a label of its own
			}
		}
		method := methodLabel(r.Method)
		requests.WithLabelValues(method, route, strconv.Itoa(rec.status)).Inc()
		duration.WithLabelValues(method, route).Observe(time.Since(began).Seconds())
	})
}

// methodLabel bounds the method label: methods outside the standard ones
// become "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
