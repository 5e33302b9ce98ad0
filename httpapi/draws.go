package httpapi

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"spotcheck/beacon"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// withAnnouncement completes the disclosure of a plan drawn from a
// beacon: the announcement chain up to its announcement, the beacon value,
// and as draw input the very input the announcement froze.
func withAnnouncement(ctx context.Context, d Deps, rec *publication.Disclosure) error {
	found, err := d.Store.Announcements(ctx, storage.AnnouncementFilter{PlanID: rec.Plan.ID})
	if err != nil || len(found) == 0 {
		return err
	}
	a := found[0]
	chain, err := d.Store.Announcements(ctx, storage.AnnouncementFilter{UpTo: a.Sequence})
	if err != nil {
		return err
	}
	frozen, err := d.Store.FrozenRecord(ctx, a)
	if err != nil {
		return err
	}
	seed, err := hex.DecodeString(rec.Plan.Seed)
	if err != nil {
		return fmt.Errorf("plan %d seed: %w", rec.Plan.ID, err)
	}
	frozen.Seed = sampling.Seed{Bytes: seed}
	rec.WithRecord(frozen)
	rec.Announcements = nil
	for _, c := range chain {
		rec.Announcements = append(rec.Announcements, c.Published)
	}
	rec.Beacon = a.Value
	return nil
}

// publicAnnouncement is one entry of GET /api/v1/public/announcements.
type publicAnnouncement struct {
	Sequence     int64                    `json:"sequence"`
	Hash         string                   `json:"hash"`
	Status       string                   `json:"status"` // awaiting_beacon, overdue, drawn or draw_failed
	Announcement publication.Announcement `json:"announcement"`
	BeaconValue  *beacon.Value            `json:"beacon_value,omitempty"`
	Plan         int64                    `json:"plan,omitempty"`
	PlanStatus   string                   `json:"plan_status,omitempty"`
	Disclosure   string                   `json:"record,omitempty"` // path of the plan's disclosure once closed
	Page         string                   `json:"page"`
}

// announcementStatus says where an announcement stands at now.
func announcementStatus(d Deps, a storage.Announcement, now time.Time) string {
	switch {
	case a.DrawError != nil:
		return "draw_failed"
	case !a.Awaiting():
		return "drawn"
	case d.Config.Schedule(a.Schedule) != nil && d.Config.Schedule(a.Schedule).Beacon != nil &&
		now.Sub(a.DueAt) > time.Duration(d.Config.Schedule(a.Schedule).Beacon.MaxWait):
		return "overdue"
	default:
		return "awaiting_beacon"
	}
}

// publicAnnouncements returns the chain (or one announcement) as the public
// sees it.
func publicAnnouncements(ctx context.Context, d Deps, seq int64) ([]publicAnnouncement, error) {
	anns, err := d.Store.Announcements(ctx, storage.AnnouncementFilter{Sequence: seq})
	if err != nil {
		return nil, err
	}
	var planIDs []int64
	for _, a := range anns {
		if a.PlanID.Valid {
			planIDs = append(planIDs, a.PlanID.Int64)
		}
	}
	statuses := map[int64]string{}
	for _, id := range planIDs {
		ps, err := d.Store.Plans(ctx, storage.PlanFilter{ID: id})
		if err != nil {
			return nil, err
		}
		if len(ps) > 0 {
			statuses[id] = ps[0].Status
		}
	}
	now := d.Now()
	out := make([]publicAnnouncement, 0, len(anns))
	for _, a := range anns {
		pa := publicAnnouncement{Sequence: a.Sequence, Hash: a.Hash, Status: announcementStatus(d, a, now), Announcement: a.Published,
			BeaconValue: a.Value, Page: fmt.Sprintf("/public/announcements/%d", a.Sequence)}
		if a.PlanID.Valid {
			pa.Plan, pa.PlanStatus = a.PlanID.Int64, statuses[a.PlanID.Int64]
			if pa.PlanStatus == sampling.PlanClosed {
				pa.Disclosure = fmt.Sprintf("/api/v1/public/plans/%d", pa.Plan)
			}
		}
		out = append(out, pa)
	}
	return out, nil
}

// publicKey returns the signing key's public half and fingerprint.
func publicKey(ctx context.Context, d Deps) (string, string, error) {
	key, err := d.Store.SigningKey(ctx, d.Now())
	if err != nil {
		return "", "", err
	}
	pub := key.Public().(ed25519.PublicKey)
	return hex.EncodeToString(pub), publication.KeyFingerprint(pub), nil
}

func handlePublicAnnouncements(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		anns, err := publicAnnouncements(r.Context(), d, 0)
		if err != nil {
			serverError(w, d, err)
			return
		}
		pub, fp, err := publicKey(r.Context(), d)
		if err != nil {
			serverError(w, d, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"announcements": anns, "public_key": pub, "fingerprint": fp})
	})
}

func handlePublicAnnouncement(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, ok := seqParam(w, r)
		if !ok {
			return
		}
		anns, err := publicAnnouncements(r.Context(), d, seq)
		switch {
		case err != nil:
			serverError(w, d, err)
		case len(anns) == 0:
			problem(w, http.StatusNotFound, fmt.Sprintf("no announcement %d", seq))
		default:
			writeJSON(w, http.StatusOK, anns[0])
		}
	})
}

func seqParam(w http.ResponseWriter, r *http.Request) (int64, bool) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq < 1 {
		problem(w, http.StatusBadRequest, "announcement sequence must be a positive number")
		return 0, false
	}
	return seq, true
}

// drawPages renders the public pages of the draw: the announcement chain,
// each announcement, each plan.
type drawPages struct {
	d     Deps
	tmpl  *template.Template
	style []byte
}

func newDrawPages(d Deps) *drawPages {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(d.Config.Location).Format("2006-01-02 15:04:05 MST")
		},
		"industry": func(id string) string { return industryName(d, id) },
		"prev":     func(seq int64) int64 { return seq - 1 },
	}
	style, _ := pageFiles.ReadFile("pages/draws.css")
	return &drawPages{d: d, tmpl: template.Must(template.New("").Funcs(funcs).ParseFS(pageFiles, "pages/draws.html")), style: style}
}

func (p *drawPages) css(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(p.style)
}

// drawPage is what the draw templates render.
type drawPage struct {
	Title       string
	Plans       []publicPlan     // the index: the newest plans
	Bulletins   [][]bulletinLink // the index: ended years, quarters and months
	Chain       []publicAnnouncement
	One         *publicAnnouncement
	Disclosure  *publication.Disclosure
	PlanID      int64
	Announced   int64 // the plan's announcement, if any
	Commitment  string
	PublicKey   string
	Fingerprint string
	Base        string
	Now         time.Time
}

func (p *drawPages) render(w http.ResponseWriter, r *http.Request, status int, name string, data drawPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if err := p.tmpl.ExecuteTemplate(w, name, data); err != nil {
		p.d.Logger.Error("render page", "page", name, "err", err)
	}
}

// page fills what every draw page shows.
func (p *drawPages) page(w http.ResponseWriter, r *http.Request, title string) (drawPage, bool) {
	pub, fp, err := publicKey(r.Context(), p.d)
	if err != nil {
		serverError(w, p.d, err)
		return drawPage{}, false
	}
	scheme := "http"
	if isTLS(r) {
		scheme = "https"
	}
	return drawPage{Title: title, PublicKey: pub, Fingerprint: fp, Base: scheme + "://" + r.Host, Now: p.d.Now()}, true
}

// index is the public's way in (/public/): the newest plans (closed ones
// linked to their disclosure, open ones by their commitment), the
// announcement chain, and the bulletins of the periods that ended lately.
func (p *drawPages) index(w http.ResponseWriter, r *http.Request) {
	data, ok := p.page(w, r, "公开信息 Public information")
	if !ok {
		return
	}
	plans, err := publicPlans(r.Context(), p.d, indexPlans)
	if err != nil {
		serverError(w, p.d, err)
		return
	}
	data.Plans, data.Bulletins = plans, endedPeriods(sampling.DayOf(data.Now, p.d.Config.Location))
	p.render(w, r, http.StatusOK, "index", data)
}

// indexPlans is how many plans the public index lists; the API lists more.
const indexPlans = 50

// bulletinLink names one period's public bulletin.
type bulletinLink struct {
	Period string // as in /public/bulletins/{period}
	Label  string
}

// endedPeriods returns the periods ended before today whose bulletins the
// index links: the last two years, four quarters and six months, newest
// first.
func endedPeriods(today sampling.Day) [][]bulletinLink {
	y, m, _ := today.Date()
	var years, quarters, months []bulletinLink
	for k := 1; k <= 2; k++ {
		years = append(years, bulletinLink{fmt.Sprint(y - k), fmt.Sprintf("%d 年", y-k)})
	}
	q := (int(m)-1)/3 + 1 // the current quarter, not ended
	for k := 1; k <= 4; k++ {
		qy, qq := y, q-k
		if qq < 1 {
			qy, qq = y-1, qq+4
		}
		quarters = append(quarters, bulletinLink{fmt.Sprintf("%dQ%d", qy, qq), fmt.Sprintf("%d 年第 %d 季度", qy, qq)})
	}
	for k := 1; k <= 6; k++ {
		first := sampling.NewDay(y, m-time.Month(k), 1)
		my, mm, _ := first.Date()
		months = append(months, bulletinLink{fmt.Sprintf("%04d-%02d", my, int(mm)), fmt.Sprintf("%d 年 %d 月", my, int(mm))})
	}
	return [][]bulletinLink{years, quarters, months}
}

func (p *drawPages) chain(w http.ResponseWriter, r *http.Request) {
	data, ok := p.page(w, r, "抽查公告链 Announcement chain")
	if !ok {
		return
	}
	anns, err := publicAnnouncements(r.Context(), p.d, 0)
	if err != nil {
		serverError(w, p.d, err)
		return
	}
	// Newest first: the chain is read from its head.
	for i, j := 0, len(anns)-1; i < j; i, j = i+1, j-1 {
		anns[i], anns[j] = anns[j], anns[i]
	}
	data.Chain = anns
	p.render(w, r, http.StatusOK, "chain", data)
}

func (p *drawPages) announcement(w http.ResponseWriter, r *http.Request) {
	seq, ok := seqParam(w, r)
	if !ok {
		return
	}
	data, ok := p.page(w, r, fmt.Sprintf("第 %d 号抽查公告 Announcement %d", seq, seq))
	if !ok {
		return
	}
	anns, err := publicAnnouncements(r.Context(), p.d, seq)
	if err != nil {
		serverError(w, p.d, err)
		return
	}
	if len(anns) == 0 {
		data.Title = "没有这份公告 No such announcement"
		p.render(w, r, http.StatusNotFound, "missing", data)
		return
	}
	data.One = &anns[0]
	p.render(w, r, http.StatusOK, "announcement", data)
}

func (p *drawPages) plan(w http.ResponseWriter, r *http.Request) {
	id, ok := planID(w, r)
	if !ok {
		return
	}
	data, ok := p.page(w, r, fmt.Sprintf("第 %d 号抽查计划 Plan %d", id, id))
	if !ok {
		return
	}
	rec, open, err := disclosureOf(r.Context(), p.d, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		data.Title = "没有这份计划 No such plan"
		p.render(w, r, http.StatusNotFound, "missing", data)
		return
	case err != nil:
		serverError(w, p.d, err)
		return
	}
	data.PlanID = id
	if open != nil {
		data.Commitment = open.Commitment
	} else {
		data.Disclosure = &rec
		if n := len(rec.Announcements); n > 0 {
			data.Announced = rec.Announcements[n-1].Sequence
		}
	}
	p.render(w, r, http.StatusOK, "plan", data)
}
