package httpapi

import (
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"spotcheck/i18n"
	"spotcheck/sampling"
	"spotcheck/storage"
)

//go:embed pages
var pageFiles embed.FS

// sessionCookie names the cookie of an inspector's web session.
const sessionCookie = "spotcheck_session"

// sessionTTL is how long a web session lasts.
const sessionTTL = 12 * time.Hour

// pages serves the inspectors' web pages: sign in with a token, see one's
// tasks by due date, record sampling, refusals and results, close tasks.
type pages struct {
	d     Deps
	g     *guard
	tmpl  *template.Template
	style []byte
}

func newPages(d Deps, g *guard) *pages {
	tmpl := template.Must(template.New("").ParseFS(pageFiles, "pages/inspect.html"))
	style, _ := pageFiles.ReadFile("pages/style.css")
	return &pages{d: d, g: g, tmpl: tmpl, style: style}
}

// pageData is what the templates render.
type pageData struct {
	L         map[string]string
	Lang      string
	Title     string
	CSRF      string
	Inspector string
	Error     string
	Flash     string
	Open      []taskView
	Done      []taskView
	Task      *taskView
	Events    []sampling.TaskEvent
	Can       map[string]bool
	Errors    map[string]string
	Form      map[string]string
	Reasons   []string
	Names     map[string]string // inspectors' names by id
}

// fieldData is one input of a form.
type fieldData struct {
	Name, Type, Label, Help, Value, Error string
}

// Field describes the named input for the "field" template.
func (p pageData) Field(name, typ, help string) fieldData {
	return fieldData{Name: name, Type: typ, Label: p.L[name], Help: help, Value: p.Form[name], Error: p.Errors[name]}
}

// Value is what was entered in the named input.
func (p pageData) Value(name string) string { return p.Form[name] }

func (pg *pages) render(w http.ResponseWriter, status int, name string, data pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pg.tmpl.ExecuteTemplate(w, name, data); err != nil {
		pg.d.Logger.Error("render page", "page", name, "err", err)
	}
}

func (pg *pages) data(r *http.Request, title string) pageData {
	lang := pageLang(r, pg.d.Config.Notifications.Language)
	l := i18n.Labels(lang)
	return pageData{L: l, Lang: lang, Title: l[title]}
}

// rememberLang keeps a language chosen with ?lang= in a cookie.
func rememberLang(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("lang"); v != "" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: pageLang(r, i18n.ZH), Path: "/inspect", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode})
	}
}

// isTLS reports whether the client's connection is TLS, directly or to the
// proxy in front (which the client cannot fake to its advantage: a Secure
// cookie over plain HTTP only fails to come back).
func isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (pg *pages) css(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(pg.style)
}

func (pg *pages) loginForm(w http.ResponseWriter, r *http.Request) {
	rememberLang(w, r)
	pg.render(w, http.StatusOK, "login", pg.data(r, "signin"))
}

func (pg *pages) login(w http.ResponseWriter, r *http.Request) {
	data := pg.data(r, "signin")
	t, err := pg.g.authenticate(r.Context(), clientAddr(r), strings.TrimSpace(r.PostFormValue("token")))
	var tooMany *errTooMany
	switch {
	case errors.As(err, &tooMany):
		w.Header().Set("Retry-After", strconv.Itoa(int(tooMany.retryAfter.Seconds())+1))
		data.Error = data.L["too_many"]
		pg.render(w, http.StatusTooManyRequests, "login", data)
		return
	case errors.Is(err, storage.ErrBadToken), err == nil && (t.Role != sampling.RoleInspector || t.Feed):
		data.Error = data.L["bad_token"]
		pg.render(w, http.StatusUnauthorized, "login", data)
		return
	case err != nil:
		pg.serverError(w, err)
		return
	}
	id, _, err := pg.d.Store.CreateSession(r.Context(), t.ID, pg.d.Now(), sessionTTL)
	if err != nil {
		pg.serverError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/inspect", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/inspect", http.StatusSeeOther)
}

func (pg *pages) serverError(w http.ResponseWriter, err error) {
	pg.d.Logger.Error("page failed", "err", err)
	http.Error(w, "internal error; see the service log", http.StatusInternalServerError)
}

// session lets a request with a valid session through as its inspector and
// sends others to sign in. Form posts must carry the session's CSRF token.
func (pg *pages) session(next func(w http.ResponseWriter, r *http.Request, data pageData)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/inspect/login", http.StatusSeeOther)
			return
		}
		t, csrf, err := pg.d.Store.Session(r.Context(), c.Value, pg.d.Now())
		if errors.Is(err, storage.ErrBadToken) {
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/inspect", MaxAge: -1})
			http.Redirect(w, r, "/inspect/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			pg.serverError(w, err)
			return
		}
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrf)) != 1 {
			http.Error(w, "the form is stale or came from another site; reload the page and try again", http.StatusForbidden)
			return
		}
		rememberLang(w, r)
		r = withPrincipal(r, principal{token: t})
		data := pg.data(r, "title")
		names, err := pg.d.Store.InspectorNames(r.Context())
		if err != nil {
			pg.serverError(w, err)
			return
		}
		data.CSRF, data.Inspector, data.Names = csrf, t.Inspector, names
		next(w, r, data)
	})
}

func (pg *pages) logout(w http.ResponseWriter, r *http.Request, _ pageData) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := pg.d.Store.DeleteSession(r.Context(), c.Value); err != nil {
			pg.serverError(w, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/inspect", MaxAge: -1})
	http.Redirect(w, r, "/inspect/login", http.StatusSeeOther)
}

func (pg *pages) list(w http.ResponseWriter, r *http.Request, data pageData) {
	today := pg.d.today()
	tasks, err := pg.d.Store.TaskDetails(r.Context(), storage.TaskFilter{Inspector: data.Inspector}, today)
	if err != nil {
		pg.serverError(w, err)
		return
	}
	for _, t := range tasks {
		v := viewTask(pg.d, t, today)
		if t.Status == sampling.TaskAssigned || t.Status == sampling.TaskSampled {
			data.Open = append(data.Open, v)
		} else {
			data.Done = append(data.Done, v)
		}
	}
	// Most recent first among the done ones; the open ones by due date.
	slices.Reverse(data.Done)
	pg.render(w, http.StatusOK, "list", data)
}

// ownTask returns the {id} of the route when it is a task of the signed-in
// inspector, answering 404 itself when not.
func (pg *pages) ownTask(w http.ResponseWriter, r *http.Request, data pageData) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return 0, false
	}
	own, err := pg.d.Store.InspectorTaskIDs(r.Context(), data.Inspector, []int64{id})
	if err != nil {
		pg.serverError(w, err)
		return 0, false
	}
	if !own[id] {
		http.NotFound(w, r)
		return 0, false
	}
	return id, true
}

// task shows one task with the forms its state allows.
func (pg *pages) task(w http.ResponseWriter, r *http.Request, data pageData) {
	pg.showTask(w, r, data, http.StatusOK)
}

func (pg *pages) showTask(w http.ResponseWriter, r *http.Request, data pageData, status int) {
	id, ok := pg.ownTask(w, r, data)
	if !ok {
		return
	}
	v, err := taskWithEvents(r, pg.d, id)
	if err != nil {
		pg.serverError(w, err)
		return
	}
	data.Task, data.Events = &v, v.Events
	data.Title = v.Enterprise
	open := v.PlanStatus == sampling.PlanOpen
	data.Can = map[string]bool{
		"sample": open && v.Status == sampling.TaskAssigned,
		"refuse": open && v.Status == sampling.TaskAssigned,
		"result": open && (v.Status == sampling.TaskAssigned || v.Status == sampling.TaskSampled),
		"close":  open && v.Status == sampling.TaskTested,
	}
	data.Reasons = sampling.RefusalReasons()
	if data.Form == nil {
		today := pg.d.today().String()
		data.Form = map[string]string{"sampled_on": today, "tested_on": today}
	}
	if r.URL.Query().Get("saved") != "" && data.Errors == nil && data.Error == "" {
		data.Flash = data.L["saved"]
	}
	pg.render(w, status, "task", data)
}

// act records what a task form posted and shows the task again: after a
// redirect when it was stored, at once with the problems next to their
// fields when not.
func (pg *pages) act(w http.ResponseWriter, r *http.Request, data pageData) {
	id, ok := pg.ownTask(w, r, data)
	if !ok {
		return
	}
	form := map[string]string{}
	for _, k := range []string{"sampled_on", "batch_no", "quantity", "seals", "reason", "note", "outcome", "tested_on", "report_no", "failed_items"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	ctx, now := r.Context(), pg.d.Now()
	var err error
	action := r.PathValue("action")
	switch action {
	case "sample":
		q, qerr := strconv.Atoi(form["quantity"])
		if qerr != nil {
			q = 0 // reported by the check as a missing quantity
		}
		err = pg.d.Store.RecordSampling(ctx, id, sampling.Sampling{SampledOn: sampling.Day(form["sampled_on"]), BatchNo: form["batch_no"],
			Quantity: q, Seals: sampling.SplitSeals(form["seals"])}, now, pg.d.Config.Location)
	case "refuse":
		err = pg.d.Store.RecordRefusal(ctx, id, sampling.Refusal{Reason: form["reason"], Note: form["note"]}, now)
	case "result":
		res := sampling.Result{TaskID: id, Outcome: form["outcome"], TestedOn: sampling.Day(form["tested_on"]), ReportNo: form["report_no"], FailedItems: form["failed_items"]}
		_, err = pg.d.Store.RecordResult(ctx, res, "", pg.d.zonedNow())
	case "close":
		err = pg.d.Store.CloseTask(ctx, id, now)
	default:
		http.NotFound(w, r)
		return
	}
	if err == nil {
		afterTransition(r, pg.d, action == "refuse" || action == "close")
		http.Redirect(w, r, fmt.Sprintf("/inspect/tasks/%d?saved=1", id), http.StatusSeeOther)
		return
	}
	data.Form = form
	// The other forms' dates were not posted: they show today again.
	today := pg.d.today().String()
	for k, own := range map[string]string{"sampled_on": "sample", "tested_on": "result"} {
		if action != own && form[k] == "" {
			form[k] = today
		}
	}
	data.Errors = map[string]string{}
	var fields *storage.FieldsError
	var rejected *storage.RejectedError
	var state *storage.StateError
	switch {
	case errors.As(err, &fields):
		for _, p := range fields.Problems {
			data.Errors[p.Field] = reasonText(data.Lang, p.Key, p.Args, p.Reason)
		}
	case errors.As(err, &rejected):
		for _, p := range rejected.Problems {
			reason := reasonText(data.Lang, p.Key, p.Args, p.Reason)
			if p.Field == "task_id" {
				data.Error = reason
				continue
			}
			data.Errors[p.Field] = reason
		}
	case errors.As(err, &state) && sampling.CheckTransition(state.From, state.To) == nil:
		data.Error = data.L["err_plan_closed"]
	case errors.As(err, &state):
		data.Error = i18n.Format(data.Lang, "err_state", i18n.State(data.Lang, state.From))
	default:
		pg.serverError(w, err)
		return
	}
	if data.Error == "" {
		data.Error = data.L["fix"]
	}
	pg.showTask(w, r, data, http.StatusUnprocessableEntity)
}
