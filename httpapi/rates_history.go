package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/sampling"
)

// HistoryResponse is the body of GET /api/v1/rates/history.
type HistoryResponse struct {
	Tier   string                  `json:"tier"`
	Window string                  `json:"window"`
	Step   string                  `json:"step"`
	Points []sampling.HistoryPoint `json:"points"`
}

// handleRatesHistory answers GET /api/v1/rates/history?tier=&window=&step=&points=:
// the tier's headline rate in the window as it stood every step (default
// 7d), for points points (default 52) ending today.
func handleRatesHistory(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var errs []string
		tier, window := q.Get("tier"), q.Get("window")
		if tier == "" {
			tier = sampling.TierGeneral
		}
		if _, ok := d.Config.Tiers[tier]; !ok {
			errs = append(errs, fmt.Sprintf("query parameter tier: unknown tier %q", tier))
		}
		if window == "" {
			window = d.Config.Windows[0]
		}
		if !slices.Contains(d.Config.Windows, window) {
			errs = append(errs, fmt.Sprintf("query parameter window: unknown window %q (configured: %s)", window, strings.Join(d.Config.Windows, ", ")))
		}
		step := 7
		if v := q.Get("step"); v != "" {
			dur, err := config.ParseDuration(v)
			if err != nil || dur%(24*time.Hour) != 0 || dur == 0 {
				errs = append(errs, fmt.Sprintf("query parameter step: %q is not a whole number of days such as 1d or 7d", v))
			} else {
				step = int(dur.Hours() / 24)
			}
		}
		points := 52
		if v := q.Get("points"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > monitor.MaxHistoryPoints {
				errs = append(errs, fmt.Sprintf("query parameter points: want a number from 1 to %d", monitor.MaxHistoryPoints))
			}
			points = n
		}
		if len(errs) > 0 {
			problem(w, http.StatusBadRequest, "bad query", errs...)
			return
		}
		hist, err := d.Monitor.History(r.Context(), tier, window, step, points)
		if err != nil {
			serverError(w, d, err)
			return
		}
		if hist == nil {
			hist = []sampling.HistoryPoint{}
		}
		writeJSON(w, http.StatusOK, HistoryResponse{Tier: tier, Window: window, Step: strconv.Itoa(step) + "d", Points: hist})
	})
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("query parameter %s: %q is not true or false", name, v)
	}
	return b, nil
}
