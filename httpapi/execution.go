package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"spotcheck/monitor"
	"spotcheck/sampling"
)

// executionResponse is how much of each schedule's plans was carried out.
type executionResponse struct {
	AsOf      time.Time               `json:"as_of"`
	Execution []sampling.ExecutionRow `json:"execution"`
}

// handleExecution answers from the snapshot: planned, tested, refused,
// lapsed and open tasks per schedule and window, optionally narrowed by the
// query parameters schedule and window.
func handleExecution(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		schedule, window := r.URL.Query().Get("schedule"), r.URL.Query().Get("window")
		if window != "" && !slices.Contains(d.Config.Windows, window) {
			problem(w, http.StatusBadRequest, fmt.Sprintf("query parameter window: unknown window %q (configured: %v)", window, d.Config.Windows))
			return
		}
		if schedule != "" && d.Config.Schedule(schedule) == nil {
			problem(w, http.StatusBadRequest, fmt.Sprintf("query parameter schedule: unknown schedule %q", schedule))
			return
		}
		snap := d.Monitor.Snapshot()
		writeJSON(w, http.StatusOK, executionResponse{AsOf: snap.AsOf.In(d.Config.Location), Execution: monitor.ExecutionOf(snap, schedule, window)})
	})
}
