package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// testMux has routes shaped like the service's: a method and a path, one
// with a wildcard, and a catch-all.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("GET /healthz", ok)
	mux.Handle("GET /api/v1/plans/{id}", ok)
	mux.Handle("/", http.NotFoundHandler())
	return mux
}

// TestRequestMetrics: requests are counted by method, route pattern and
// status, so that ids in paths and unknown paths or methods make no new
// series.
func TestRequestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	h := instrument(reg, testMux())
	for _, req := range []struct{ method, path string }{
		{"GET", "/healthz"},
		{"GET", "/healthz"},
		{"GET", "/api/v1/plans/17"},
		{"GET", "/api/v1/plans/18"},
		{"GET", "/no/such/path/1"},
		{"GET", "/no/such/path/2"},
		{"BREW", "/healthz"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, nil))
		io.Copy(io.Discard, rec.Body)
	}
	want := `
# HELP spotcheck_http_requests_total HTTP requests answered, by method, route pattern ("none" when no route matched) and status code.
# TYPE spotcheck_http_requests_total counter
spotcheck_http_requests_total{code="200",method="GET",route="/api/v1/plans/{id}"} 2
spotcheck_http_requests_total{code="200",method="GET",route="/healthz"} 2
spotcheck_http_requests_total{code="404",method="GET",route="/"} 2
spotcheck_http_requests_total{code="404",method="other",route="/"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "spotcheck_http_requests_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "spotcheck_http_request_duration_seconds"); err != nil || n != 4 {
		t.Errorf("spotcheck_http_request_duration_seconds has %d series (%v), want 4", n, err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestNoRegisterer: without a registerer requests are served as they are.
func TestNoRegisterer(t *testing.T) {
	mux := testMux()
	if h := instrument(nil, mux); h != http.Handler(mux) {
		t.Errorf("instrument(nil, mux) = %T, want mux itself", h)
	}
}
