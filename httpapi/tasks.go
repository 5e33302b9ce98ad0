package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"spotcheck/csvimport"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// quantity is how many pieces of a batch are taken, from the category's
// configuration.
type quantity struct {
	Test   int `json:"test"`
	Backup int `json:"backup"`
}

// taskView is a task as the API, the feed and the pages show it.
type taskView struct {
	storage.TaskDetail
	// State is the stored status, or "overdue" for an assigned or sampled
	// task past its due date.
	State        string               `json:"state"`
	CategoryName string               `json:"category_name"`
	Quantity     quantity             `json:"quantity"`
	Events       []sampling.TaskEvent `json:"events,omitempty"`
}

func viewTask(d Deps, t storage.TaskDetail, today sampling.Day) taskView {
	v := taskView{TaskDetail: t, State: sampling.ShownStatus(t.Status, t.Due, today), CategoryName: d.Config.CategoryName(t.Industry, t.Category)}
	v.NominalTime = t.NominalTime.In(d.Config.Location)
	if ind := d.Config.Industry(t.Industry); ind != nil {
		if c := ind.Category(t.Category); c != nil {
			v.Quantity = quantity{Test: c.Quantity.Test, Backup: c.Quantity.Backup}
		}
	}
	return v
}

// today is the current day in the service's time zone.
func (d Deps) today() sampling.Day { return sampling.Today(d.Now(), d.Config.Location) }

// zonedNow is the current time in the service's time zone, as storage
// takes it to record results.
func (d Deps) zonedNow() time.Time { return d.Now().In(d.Config.Location) }

// taskFilter reads the query of GET /api/v1/tasks: status (a comma list of
// states, "overdue" or "open"), from and to (due dates, inclusive), plan,
// and for admins inspector.
func taskFilter(r *http.Request, p principal, defaultStatuses []string) (storage.TaskFilter, []string) {
	q := r.URL.Query()
	f := storage.TaskFilter{Inspector: p.inspector(), Statuses: defaultStatuses}
	var errs []string
	if v := q.Get("status"); v != "" {
		f.Statuses = nil
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			if !slices.Contains(sampling.TaskStates(), st) && st != sampling.TaskOverdue && st != "open" {
				errs = append(errs, fmt.Sprintf("status: %q is not one of %s, overdue, open", st, strings.Join(sampling.TaskStates(), ", ")))
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	for _, c := range []struct {
		name string
		dst  *sampling.Day
	}{{"from", &f.DueFrom}, {"to", &f.DueTo}} {
		if v := q.Get(c.name); v != "" {
			day, err := sampling.ParseDay(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date YYYY-MM-DD", c.name, v))
			}
			*c.dst = day
		}
	}
	if v := q.Get("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, fmt.Sprintf("plan: %q is not a plan id", v))
		}
		f.PlanID = id
	}
	if v := q.Get("inspector"); v != "" {
		if e := sampling.CheckID("inspector", v); e != nil {
			errs = append(errs, e.Error())
		} else if p.inspector() != "" && v != p.inspector() {
			errs = append(errs, "inspector: an inspector sees only its own tasks")
		}
		f.Inspector = v
	}
	return f, errs
}

// handleTasks serves the caller's tasks as JSON, CSV or iCalendar.
func handleTasks(d Deps, format string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		var defaults []string
		if format == "ics" {
			defaults = []string{"open"} // a calendar holds what is still to do
		}
		f, errs := taskFilter(r, p, defaults)
		if len(errs) > 0 {
			problem(w, http.StatusBadRequest, "bad query parameters", errs...)
			return
		}
		today := d.today()
		tasks, err := d.Store.TaskDetails(r.Context(), f, today)
		if err != nil {
			serverError(w, d, err)
			return
		}
		views := make([]taskView, len(tasks))
		for i, t := range tasks {
			views[i] = viewTask(d, t, today)
		}
		w.Header().Set("Cache-Control", "private, no-store")
		switch format {
		case "csv":
			writeTasksCSV(w, views)
		case "ics":
			names, err := d.Store.InspectorNames(r.Context())
			if err != nil {
				serverError(w, d, err)
				return
			}
			w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
			w.Header().Set("Content-Disposition", `inline; filename="spotcheck-tasks.ics"`)
			writeICS(w, views, icsOptions{Owner: f.Inspector, Names: names, Now: d.Now(), Zone: d.Config.Location,
				Lang: pageLang(r, d.Config.Notifications.Language)})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"tasks": views})
		}
	})
}

// writeTasksCSV writes tasks as UTF-8 CSV with a byte-order mark, which
// spreadsheet software needs to read UTF-8 rather than the local code page.
func writeTasksCSV(w http.ResponseWriter, views []taskView) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="spotcheck-tasks.csv"`)
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write([]string{"task_id", "plan_id", "state", "due", "enterprise", "credit_code", "county", "category", "category_name",
		"quantity_test", "quantity_backup", "inspectors", "sampled_on", "batch_no", "quantity_taken", "seals",
		"outcome", "tested_on", "report_no", "failed_items", "refusal_reason", "refusal_note"})
	for _, v := range views {
		row := []string{strconv.FormatInt(v.ID, 10), strconv.FormatInt(v.PlanID, 10), v.State, v.Due.String(), v.Enterprise, v.CreditCode,
			v.County, v.Category, v.CategoryName, strconv.Itoa(v.Quantity.Test), strconv.Itoa(v.Quantity.Backup),
			strings.Join(v.Inspectors, ";"), "", "", "", "", "", "", "", "", "", ""}
		if s := v.Sampling; s != nil {
			row[12], row[13], row[14], row[15] = s.SampledOn.String(), s.BatchNo, strconv.Itoa(s.Quantity), strings.Join(s.Seals, ";")
		}
		if res := v.Result; res != nil {
			row[16], row[17], row[18], row[19] = res.Outcome, res.TestedOn.String(), res.ReportNo, res.FailedItems
		}
		if ref := v.Refusal; ref != nil {
			row[20], row[21] = ref.Reason, ref.Note
		}
		cw.Write(row)
	}
	cw.Flush()
}

// taskID parses the {id} of a task route, answering 400 itself when it is
// not a number.
func taskID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		problem(w, http.StatusBadRequest, "task id must be a positive number")
		return 0, false
	}
	return id, true
}

// planID parses the {id} of a plan route, answering 400 itself when it is
// not a number.
func planID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		problem(w, http.StatusBadRequest, "plan id must be a number")
		return 0, false
	}
	return id, true
}

// visibleTask reports whether the caller may see task id, answering 404
// itself when not: another inspector's task looks like no task at all.
func visibleTask(w http.ResponseWriter, r *http.Request, d Deps, id int64) bool {
	p := principalOf(r)
	if p.admin() {
		return true
	}
	own, err := d.Store.InspectorTaskIDs(r.Context(), p.inspector(), []int64{id})
	if err != nil {
		serverError(w, d, err)
		return false
	}
	if !own[id] {
		problem(w, http.StatusNotFound, fmt.Sprintf("no task %d", id))
		return false
	}
	return true
}

// taskWithEvents loads task id for the API, with its transitions.
func taskWithEvents(r *http.Request, d Deps, id int64) (taskView, error) {
	today := d.today()
	t, err := d.Store.TaskDetail(r.Context(), id, today)
	if err != nil {
		return taskView{}, err
	}
	v := viewTask(d, t, today)
	v.Events, err = d.Store.TaskEvents(r.Context(), id)
	for i := range v.Events {
		v.Events[i].At = v.Events[i].At.In(d.Config.Location)
	}
	return v, err
}

func handleTask(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := taskID(w, r)
		if !ok || !visibleTask(w, r, d, id) {
			return
		}
		v, err := taskWithEvents(r, d, id)
		if errors.Is(err, storage.ErrNotFound) {
			problem(w, http.StatusNotFound, fmt.Sprintf("no task %d", id))
			return
		}
		if err != nil {
			serverError(w, d, err)
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		writeJSON(w, http.StatusOK, v)
	})
}

// Task transitions of the API.
const (
	doSample = "sampling"
	doRefuse = "refusal"
	doClose  = "close"
)

// samplingBody is the JSON of POST /api/v1/tasks/{id}/sampling. Seals may
// be a list or one string of numbers separated by commas.
type samplingBody struct {
	SampledOn sampling.Day    `json:"sampled_on"` // checked by sampling.Sampling.Check
	BatchNo   string          `json:"batch_no"`
	Quantity  int             `json:"quantity"`
	Seals     json.RawMessage `json:"seals"`
}

func (b samplingBody) sampling() (sampling.Sampling, error) {
	s := sampling.Sampling{SampledOn: b.SampledOn, BatchNo: b.BatchNo, Quantity: b.Quantity}
	if len(b.Seals) == 0 {
		return s, nil
	}
	var one string
	if err := json.Unmarshal(b.Seals, &one); err == nil {
		s.Seals = sampling.SplitSeals(one)
		return s, nil
	}
	if err := json.Unmarshal(b.Seals, &s.Seals); err != nil {
		return s, fmt.Errorf("seals: want a list of seal numbers or one string")
	}
	return s, nil
}

// handleTransition records sampling, a refusal or the closing of a task.
func handleTransition(d Deps, action string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := taskID(w, r)
		if !ok || !visibleTask(w, r, d, id) {
			return
		}
		err := decodeAndApply(r, d, id, action)
		var bad *badRequestError
		if errors.As(err, &bad) {
			bodyProblem(w, bad.err)
			return
		}
		if transitionFailed(w, d, id, err) {
			return
		}
		afterTransition(r, d, action == doRefuse || action == doClose)
		v, err := taskWithEvents(r, d, id)
		if err != nil {
			serverError(w, d, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// badRequestError is a request body that could not be read.
type badRequestError struct{ err error }

func (e *badRequestError) Error() string { return e.err.Error() }

// decodeAndApply reads the body of a transition request and stores it.
func decodeAndApply(r *http.Request, d Deps, id int64, action string) error {
	decode := func(v any) error {
		if err := decodeJSON(r.Body, v); err != nil {
			return &badRequestError{err}
		}
		return nil
	}
	now := d.Now()
	switch action {
	case doSample:
		var b samplingBody
		if err := decode(&b); err != nil {
			return err
		}
		s, err := b.sampling()
		if err != nil {
			return &storage.FieldsError{Problems: []sampling.FieldError{{Field: "seals", Reason: err.Error()}}}
		}
		return d.Store.RecordSampling(r.Context(), id, s, now, d.Config.Location)
	case doRefuse:
		var b sampling.Refusal
		if err := decode(&b); err != nil {
			return err
		}
		return d.Store.RecordRefusal(r.Context(), id, b, now)
	default:
		return d.Store.CloseTask(r.Context(), id, now)
	}
}

// transitionFailed answers a failed transition: 404, 409 with the reason,
// 422 with each field's problem, or 500. It reports whether it did.
func transitionFailed(w http.ResponseWriter, d Deps, id int64, err error) bool {
	var state *storage.StateError
	var fields *storage.FieldsError
	switch {
	case err == nil:
		return false
	case errors.Is(err, storage.ErrNotFound):
		problem(w, http.StatusNotFound, fmt.Sprintf("no task %d", id))
	case errors.As(err, &state):
		problem(w, http.StatusConflict, state.Error())
	case errors.As(err, &fields):
		msgs := make([]string, len(fields.Problems))
		for i, p := range fields.Problems {
			msgs[i] = p.Error()
		}
		problem(w, http.StatusUnprocessableEntity, "the record was rejected; nothing was stored", msgs...)
	default:
		serverError(w, d, err)
	}
	return true
}

// afterTransition follows a stored change (which the snapshot applied as
// it committed, see monitor.Monitor.Apply). A plan is done when each of
// its tasks is closed or refused, so only a close or a refusal (completes
// true) can finish one: then it has the chores close the plans that are
// done. Overdue plans are closed by the chores' minute sweep.
func afterTransition(r *http.Request, d Deps, completes bool) {
	if completes {
		if _, err := d.Chores.ClosePlans(r.Context()); err != nil {
			d.Logger.Warn("close plans", "err", err)
		}
	}
}

// notOwnRows lists the rows of a results import that an inspector may not
// write, as if their tasks did not exist; none for an admin.
func notOwnRows(r *http.Request, d Deps, rows []sampling.Result, rowError func(i int, column, reason string) *csvimport.RowError) ([]string, error) {
	p := principalOf(r)
	if p.admin() {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.TaskID
	}
	own, err := d.Store.InspectorTaskIDs(r.Context(), p.inspector(), ids)
	if err != nil {
		return nil, err
	}
	var msgs []string
	for i, row := range rows {
		if !own[row.TaskID] {
			msgs = append(msgs, rowError(i, "task_id", fmt.Sprintf("no task %d", row.TaskID)).Error())
		}
	}
	return msgs, nil
}

// bodyProblem answers a request body that could not be decoded: 413 when it
// was too large, else 400.
func bodyProblem(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		problem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit))
		return
	}
	problem(w, http.StatusBadRequest, "request body: "+err.Error())
}

// handleClosePlans has the chores close the plans that are due to close
// now, rather than at their next sweep.
func handleClosePlans(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids, err := d.Chores.ClosePlans(r.Context())
		if err != nil {
			serverError(w, d, err)
			return
		}
		if ids == nil {
			ids = []int64{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"closed": ids})
	})
}
