package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"spotcheck/csvimport"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
)

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
}

func handleReadyz(store *storage.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			problem(w, http.StatusServiceUnavailable, "database does not answer")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ready")
	})
}

func handleRates(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		window := q.Get("window")
		opts := sampling.RateOptions{By: q.Get("by"), Industry: q.Get("industry"), County: q.Get("county")}
		var errs []string
		for _, e := range monitor.CheckQuery(d.Config, window, opts) {
			errs = append(errs, "query parameter "+e.Error())
		}
		final, err := boolParam(r, "final")
		if err != nil {
			errs = append(errs, err.Error())
		}
		if len(errs) > 0 {
			problem(w, http.StatusBadRequest, "bad query parameters", errs...)
			return
		}
		opts.FinalOnly = final
		resp := d.Monitor.Report(window, opts)
		writeJSON(w, http.StatusOK, resp)
	})
}

func handlePlans(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, ok := limitParam(w, r)
		if !ok {
			return
		}
		schedule := r.URL.Query().Get("schedule")
		if e := sampling.CheckText("schedule", schedule); e != nil {
			problem(w, http.StatusBadRequest, "query parameter "+e.Error())
			return
		}
		plans, err := d.Store.Plans(r.Context(), storage.PlanFilter{Schedule: schedule, Limit: limit})
		if err != nil {
			serverError(w, d, err)
			return
		}
		if schedule != "" && len(plans) == 0 && d.Config.Schedule(schedule) == nil {
			problem(w, http.StatusBadRequest, fmt.Sprintf("query parameter schedule: %q: no such schedule, and no plan of that name is stored (%s)", schedule, scheduleNames(d)))
			return
		}
		for i := range plans {
			d.Config.Localize(&plans[i])
			confidential(&plans[i], principalOf(r))
		}
		if plans == nil {
			plans = []sampling.Plan{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"plans": plans})
	})
}

// scheduleNames names the configured schedules for an error message.
func scheduleNames(d Deps) string {
	if len(d.Config.Schedules) == 0 {
		return "none configured"
	}
	names := make([]string, len(d.Config.Schedules))
	for i, s := range d.Config.Schedules {
		names[i] = s.Name
	}
	return "known: " + strings.Join(names, ", ")
}

func handlePlan(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := planID(w, r)
		if !ok {
			return
		}
		p, err := d.Store.Plan(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) {
			problem(w, http.StatusNotFound, fmt.Sprintf("no plan %d", id))
			return
		}
		if err != nil {
			serverError(w, d, err)
			return
		}
		d.Config.Localize(&p)
		confidential(&p, principalOf(r))
		writeJSON(w, http.StatusOK, p)
	})
}

// resultBody is the JSON of POST /api/v1/tasks/{id}/result.
type resultBody struct {
	Outcome     string       `json:"outcome"`
	TestedOn    sampling.Day `json:"tested_on"` // checked by sampling.Result.Check
	ReportNo    string       `json:"report_no"`
	FailedItems string       `json:"failed_items"`
	Retest      bool         `json:"retest"`
}

func handleRecordResult(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := taskID(w, r)
		if !ok || !visibleTask(w, r, d, id) {
			return
		}
		var body resultBody
		if err := decodeJSON(http.MaxBytesReader(w, r.Body, 64<<10), &body); err != nil {
			bodyProblem(w, err)
			return
		}
		res := sampling.Result{TaskID: id, Outcome: body.Outcome, TestedOn: body.TestedOn, ReportNo: body.ReportNo, FailedItems: body.FailedItems, Retest: body.Retest}
		n, err := d.Store.RecordResult(r.Context(), res, r.Header.Get("Idempotency-Key"), d.zonedNow())
		if rejected(w, err, func(p storage.Problem) string { return p.Field + ": " + p.Reason }) {
			return
		}
		if err != nil {
			serverError(w, d, err)
			return
		}
		status := http.StatusCreated
		if n == 0 {
			status = http.StatusOK // a retry of a stored result
		}
		writeJSON(w, status, res)
	})
}

func handleImportResults(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// harden limits the body to maxImportBody.
		sheet, err := csvimport.Results("request body", r.Body, csvimport.Options{Encoding: r.URL.Query().Get("encoding")})
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				bodyProblem(w, err)
				return
			}
			problem(w, http.StatusUnprocessableEntity, "the CSV was rejected; nothing was stored", splitErrors(err)...)
			return
		}
		if msgs, err := notOwnRows(r, d, sheet.Rows, sheet.RowError); err != nil {
			serverError(w, d, err)
			return
		} else if len(msgs) > 0 {
			problem(w, http.StatusUnprocessableEntity, "the result was rejected; nothing was stored", msgs...)
			return
		}
		n, err := d.Store.RecordResults(r.Context(), sheet.Rows, d.zonedNow())
		if rejected(w, err, func(p storage.Problem) string {
			return sheet.RowError(p.Index, p.Field, p.Reason).Error()
		}) {
			return
		}
		if err != nil {
			serverError(w, d, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"rows": len(sheet.Rows), "stored": n})
	})
}

// rejected answers a *storage.RejectedError: 409 when every problem is a
// conflict with a stored result, 422 otherwise. It reports whether it did.
func rejected(w http.ResponseWriter, err error, describe func(storage.Problem) string) bool {
	var rej *storage.RejectedError
	if !errors.As(err, &rej) {
		return false
	}
	msgs := make([]string, len(rej.Problems))
	for i, p := range rej.Problems {
		msgs[i] = describe(p)
	}
	status := http.StatusUnprocessableEntity
	if rej.Conflict() {
		status = http.StatusConflict
	}
	problem(w, status, "the result was rejected; nothing was stored", msgs...)
	return true
}

func splitErrors(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

func serverError(w http.ResponseWriter, d Deps, err error) {
	d.Logger.Error("request failed", "err", err)
	problem(w, http.StatusInternalServerError, "internal error; see the service log")
}
