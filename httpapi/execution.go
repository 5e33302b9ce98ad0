package httpapi

import (
	"fmt"
	"net/http"
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
		var errs []string
		for _, e := range monitor.CheckQuery(d.Config, window, sampling.RateOptions{}) {
			errs = append(errs, "query parameter "+e.Error())
		}
		if e := sampling.CheckText("schedule", schedule); e != nil {
			errs = append(errs, "query parameter "+e.Error())
		} else if schedule != "" && d.Config.Schedule(schedule) == nil {
			errs = append(errs, fmt.Sprintf("query parameter schedule: %q is not a configured schedule (%s)", schedule, scheduleNames(d)))
		}
		if len(errs) > 0 {
			problem(w, http.StatusBadRequest, "bad query parameters", errs...)
			return
		}
		snap := d.Monitor.Snapshot()
		writeJSON(w, http.StatusOK, executionResponse{AsOf: snap.AsOf.In(d.Config.Location), Execution: monitor.ExecutionOf(snap, schedule, window)})
	})
}
