package httpapi

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// addRoutes lists every route of the service.
func addRoutes(mux *http.ServeMux, d Deps) {
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(d.Store))
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{ErrorLog: nil}))
	mux.Handle("GET /api/v1/rates", handleRates(d))
	mux.Handle("GET /api/v1/plans", handlePlans(d))
	mux.Handle("GET /api/v1/plans/{id}", handlePlan(d))
	mux.Handle("POST /api/v1/tasks/{id}/result", handleRecordResult(d))
	mux.Handle("POST /api/v1/results", handleImportResults(d))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	}))
}
