package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"spotcheck/sampling"
)

// Who may call a route: see docs/access.md.
func anyRole() []sampling.Role   { return sampling.Roles() }
func taskRoles() []sampling.Role { return []sampling.Role{sampling.RoleAdmin, sampling.RoleInspector} }

// addRoutes lists every route of the service. Routes under /api/v1 need a
// bearer token of the roles named, except /api/v1/public/ and the calendar
// feed, which takes a feed token in its URL.
func addRoutes(mux *http.ServeMux, d Deps, g *guard, pg *pages, dp *drawPages) {
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(d.Store))
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{ErrorLog: nil}))
	mux.Handle("GET /runbooks/alerts", handleRunbook(d))
	mux.Handle("GET /api/v1/rates", g.require(handleRates(d), anyRole()...))
	mux.Handle("GET /api/v1/rates/history", g.require(handleRatesHistory(d), anyRole()...))
	mux.Handle("GET /api/v1/execution", g.require(handleExecution(d), anyRole()...))
	mux.Handle("GET /api/v1/bulletins/{period}", g.require(handleBulletin(d, false, "json"), sampling.RoleViewer, sampling.RoleAdmin))
	mux.Handle("GET /api/v1/plans", g.require(handlePlans(d), anyRole()...))
	mux.Handle("GET /api/v1/plans/{id}", g.require(handlePlan(d), anyRole()...))
	mux.Handle("GET /api/v1/tasks", g.require(handleTasks(d, "json"), taskRoles()...))
	mux.Handle("GET /api/v1/tasks.csv", g.require(handleTasks(d, "csv"), taskRoles()...))
	mux.Handle("GET /api/v1/tasks.ics", g.feed(handleTasks(d, "ics")))
	mux.Handle("GET /api/v1/tasks/{id}", g.require(handleTask(d), taskRoles()...))
	mux.Handle("POST /api/v1/tasks/{id}/sampling", g.require(handleTransition(d, doSample), taskRoles()...))
	mux.Handle("POST /api/v1/tasks/{id}/refusal", g.require(handleTransition(d, doRefuse), taskRoles()...))
	mux.Handle("POST /api/v1/tasks/{id}/result", g.require(handleRecordResult(d), taskRoles()...))
	mux.Handle("POST /api/v1/tasks/{id}/close", g.require(handleTransition(d, doClose), taskRoles()...))
	mux.Handle("POST /api/v1/results", g.require(handleImportResults(d), taskRoles()...))
	mux.Handle("POST /api/v1/plans/close", g.require(handleClosePlans(d), sampling.RoleAdmin))
	mux.Handle("GET /api/v1/public/plans", handlePublicPlans(d))
	mux.Handle("GET /api/v1/public/plans/{id}", handlePublicPlan(d))
	mux.Handle("GET /api/v1/public/key", handlePublicKey(d))
	mux.Handle("GET /api/v1/public/announcements", handlePublicAnnouncements(d))
	mux.Handle("GET /api/v1/public/announcements/{seq}", handlePublicAnnouncement(d))
	mux.HandleFunc("GET /public/draws.css", dp.css)
	mux.HandleFunc("GET /public/{$}", dp.index)
	mux.Handle("GET /public", http.RedirectHandler("/public/", http.StatusMovedPermanently))
	mux.HandleFunc("GET /public/announcements", dp.chain)
	mux.HandleFunc("GET /public/announcements/{seq}", dp.announcement)
	mux.HandleFunc("GET /public/plans/{id}", dp.plan)
	mux.Handle("GET /api/v1/public/bulletins/{period}", handleBulletin(d, true, "json"))
	mux.Handle("GET /public/bulletins/{period}", handleBulletin(d, true, "html"))
	mux.HandleFunc("GET /inspect/style.css", pg.css)
	mux.HandleFunc("GET /inspect/login", pg.loginForm)
	mux.HandleFunc("POST /inspect/login", pg.login)
	mux.Handle("POST /inspect/logout", pg.session(pg.logout))
	mux.Handle("GET /inspect", pg.session(pg.list))
	mux.Handle("GET /inspect/tasks/{id}", pg.session(pg.task))
	mux.Handle("POST /inspect/tasks/{id}/{action}", pg.session(pg.act))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			problem(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		problem(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	}))
}

// allowedMethods lists the methods that a route other than the catch-all
// serves at r's path: the catch-all matches every method, so the mux
// itself never answers 405.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}
