package httpapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/beacon"
	"spotcheck/config"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

const beaconSchedules = `schedules:
  - name: textiles-lottery
    industry: textiles
    cron: "0 9 1 * *"
    batches: 3
    inspectors_per_task: 1
    seed: beacon
    beacon: {kind: text, description: 福彩3D 第2026335期开奖号码, template: "digits:3", after: 1d}
`

// drawsFixture serves a store holding two announcements of a text-seeded
// schedule, the second drawn with its value "517".
type drawsFixture struct {
	srv   *httptest.Server
	store *storage.Store
	clock *clock
	plan  sampling.Plan
	deps  Deps // what srv serves
}

// drawsStore is a store holding eight units of textiles and two
// inspectors.
func drawsStore(t *testing.T) *storage.Store {
	t.Helper()
	store := storagetest.Open(t, "sqlite")
	var units []sampling.Unit
	for i := range 8 {
		units = append(units, sampling.Unit{CreditCode: fmt.Sprintf("91320500MA000000%02d", i), Enterprise: fmt.Sprintf("苏州第%d服装有限公司", i),
			County: []string{"姑苏区", "吴江区"}[i%2], Industry: "textiles", Category: "garments", Risk: "B"})
	}
	if err := store.UpsertUnits(t.Context(), units); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertInspectors(t.Context(), []sampling.Inspector{
		{ID: "I001", Name: "张伟", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I002", Name: "王芳", County: "吴江区", Industries: []string{"textiles"}},
	}); err != nil {
		t.Fatal(err)
	}
	return store
}

func newDrawsFixture(t *testing.T) *drawsFixture {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(testConfig+beaconSchedules))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	store := drawsStore(t)
	first := time.Date(2026, 11, 1, 9, 0, 0, 0, shanghai)
	clk := &clock{t: first}
	sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	second := time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)
	for _, at := range []time.Time{first, second} {
		clk.set(at)
		if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: at}); err != nil || !made {
			t.Fatalf("Fire(%s) = %v, %v", at, made, err)
		}
	}
	clk.set(second.Add(25 * time.Hour))
	plan, err := sched.DrawAnnounced(ctx, 2, beacon.Value{Kind: beacon.KindText, Text: "517"}, false)
	if err != nil {
		t.Fatalf("DrawAnnounced(2, 517) = %v", err)
	}
	deps := Deps{Config: cfg, Store: store, Gatherer: prometheus.NewRegistry(), Logger: storagetest.Logger(t), Now: clk.now}
	srv := httptest.NewServer(NewHandler(deps))
	t.Cleanup(srv.Close)
	return &drawsFixture{srv: srv, store: store, clock: clk, plan: plan, deps: deps}
}

func (f *drawsFixture) get(t *testing.T, path string, want int) []byte {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d, want %d: %s", path, resp.StatusCode, want, body)
	}
	return body
}

// TestPublicDraws checks the public API of announcements and the record of
// a beacon plan: it verifies offline from the record alone, with the key
// served; with announcement 1 withheld it does not.
func TestPublicDraws(t *testing.T) {
	f := newDrawsFixture(t)
	var list struct {
		Announcements []publicAnnouncement `json:"announcements"`
		PublicKey     string               `json:"public_key"`
		Fingerprint   string               `json:"fingerprint"`
	}
	if err := json.Unmarshal(f.get(t, "/api/v1/public/announcements", http.StatusOK), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Announcements) != 2 || list.Announcements[0].Status != "overdue" || list.Announcements[1].Status != "drawn" ||
		list.Announcements[1].Plan != f.plan.ID || list.Announcements[1].PlanStatus != sampling.PlanOpen || list.Announcements[1].Disclosure != "" {
		t.Fatalf("announcements = %+v, want 1 overdue and 2 drawn as plan %d, open", list.Announcements, f.plan.ID)
	}
	key, _ := hex.DecodeString(list.PublicKey)
	if list.Fingerprint != publication.KeyFingerprint(key) || len(list.Fingerprint) != 79 {
		t.Errorf("fingerprint %q, want the key's in groups of four", list.Fingerprint)
	}
	// Announcement 1 awaits its value, and is overdue after its max_wait
	// (3 days past due).
	for _, tc := range []struct {
		at   time.Time
		want string
	}{{time.Date(2026, 11, 4, 9, 0, 0, 0, shanghai), "awaiting_beacon"}, {time.Date(2026, 11, 6, 9, 0, 0, 0, shanghai), "overdue"}} {
		f.clock.set(tc.at)
		var one publicAnnouncement
		json.Unmarshal(f.get(t, "/api/v1/public/announcements/1", http.StatusOK), &one)
		if one.Status != tc.want {
			t.Errorf("announcement 1 status at %s = %q, want %q", tc.at, one.Status, tc.want)
		}
	}
	f.get(t, "/api/v1/public/announcements/9", http.StatusNotFound)
	f.get(t, "/api/v1/public/announcements/x", http.StatusBadRequest)

	// The plan closes; its record verifies offline.
	if _, err := f.store.ClosePlans(t.Context(), "2027-02-01", f.clock.now()); err != nil {
		t.Fatal(err)
	}
	data := f.get(t, fmt.Sprintf("/api/v1/public/plans/%d", f.plan.ID), http.StatusOK)
	rec, err := publication.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if rec.SeedOrigin != publication.SeedBeacon || len(rec.Announcements) != 2 || rec.Beacon == nil || rec.Beacon.Text != "517" {
		t.Fatalf("record seed_origin %q, %d announcements, beacon %+v; want beacon, 2, 517", rec.SeedOrigin, len(rec.Announcements), rec.Beacon)
	}
	if diffs := publication.Verify(rec, publication.Options{PublicKey: key, Commitment: f.plan.Commitment}); len(diffs) != 0 {
		t.Fatalf("Verify(served beacon record) = %q, want none", diffs)
	}
	rec.Announcements = rec.Announcements[1:]
	diffs := publication.Verify(rec, publication.Options{PublicKey: key})
	if len(diffs) == 0 || !strings.Contains(strings.Join(diffs, "\n"), "must start at sequence 1") {
		t.Errorf("Verify(record with announcement 1 withheld) = %q, want the gap named", diffs)
	}
}

// TestPublicDrawPages renders the public pages in headless Chromium: the
// chain, an announcement, an open plan and, once closed, the plan with its
// tasks and the command that verifies it. Screenshots are test artefacts.
func TestPublicDrawPages(t *testing.T) {
	exe := chromium(t)
	f := newDrawsFixture(t)
	profile, err := os.MkdirTemp("", "spotcheck-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.UserDataDir(profile), chromedp.WindowSize(1100, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute) // a hung browser, not a performance goal
	defer cancelTimeout()
	shots := t.ArtifactDir()
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var png []byte
			if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var planRows, periods []string
	run("the index, reached as /public",
		chromedp.Navigate(f.srv.URL+"/public"),
		chromedp.WaitVisible("#plans", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#plans tbody tr")).map(e => e.dataset.plan + " " + e.innerText.replace(/\s+/g, " "))`, &planRows),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#bulletins a")).map(a => a.getAttribute("href"))`, &periods),
		shot("0-index"),
	)
	if len(planRows) != 1 || !strings.HasPrefix(planRows[0], fmt.Sprintf("%d %d 执行中，保密", f.plan.ID, f.plan.ID)) {
		t.Errorf("index plans %q, want plan %d, running and confidential", planRows, f.plan.ID)
	}
	// The fixture's today is 2 December 2026 in Shanghai.
	wantPeriods := []string{"2025", "2024", "2026Q3", "2026Q2", "2026Q1", "2025Q4", "2026-11", "2026-10", "2026-09", "2026-08", "2026-07", "2026-06"}
	if want := strings.Join(wantPeriods, " /public/bulletins/"); strings.Join(periods, " ") != "/public/bulletins/"+want {
		t.Errorf("index bulletins %q, want %q", periods, wantPeriods)
	}
	var rows []string
	var h1, fp string
	run("the chain, from the index's header",
		chromedp.Click(`header a[href="/public/announcements"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#chain", chromedp.ByID),
		chromedp.Text("h1", &h1),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#chain tbody tr")).map(e => e.dataset.seq + " " + e.innerText.replace(/\s+/g, " "))`, &rows),
		chromedp.Text("#fingerprint", &fp, chromedp.ByID),
		shot("1-chain"),
	)
	if !strings.HasPrefix(h1, "抽查公告链") || len(rows) != 2 || !strings.HasPrefix(rows[0], "2 ") || !strings.Contains(rows[0], "已抽取") ||
		!strings.Contains(rows[1], "等待超时") || !strings.Contains(rows[1], "福彩3D") {
		t.Errorf("chain page: h1 %q rows %q; want announcement 2 drawn first, 1 overdue", h1, rows)
	}
	if len(fp) != 79 {
		t.Errorf("chain page fingerprint %q", fp)
	}
	var beaconText, planLink, openNote string
	run("announcement 2, and its open plan",
		chromedp.Navigate(f.srv.URL+"/public/announcements/2"),
		chromedp.WaitVisible("#beacon", chromedp.ByID),
		chromedp.Text("#beacon", &beaconText, chromedp.ByID),
		chromedp.Text("#plan-link", &planLink, chromedp.ByID),
		shot("2-announcement"),
		chromedp.Click("#plan-link", chromedp.ByID),
		chromedp.WaitVisible("#open-note", chromedp.ByID),
		chromedp.Text("#open-note", &openNote, chromedp.ByID),
		shot("3-open-plan"),
	)
	if !strings.Contains(beaconText, "福彩3D") || !strings.Contains(beaconText, "digits:3") || !strings.Contains(planLink, fmt.Sprint(f.plan.ID)) {
		t.Errorf("announcement page: beacon %q, plan link %q", beaconText, planLink)
	}
	if !strings.Contains(openNote, "保密") {
		t.Errorf("open plan page: %q, want that it stays confidential", openNote)
	}
	if _, err := f.store.ClosePlans(t.Context(), "2027-02-01", f.clock.now()); err != nil {
		t.Fatal(err)
	}
	var tasks []string
	var seedNote, command string
	run("the closed plan",
		chromedp.Navigate(fmt.Sprintf("%s/public/plans/%d", f.srv.URL, f.plan.ID)),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#tasks tbody tr")).map(e => e.innerText)`, &tasks),
		chromedp.Text("#seed-note", &seedNote, chromedp.ByID),
		chromedp.Text("#verify-command", &command, chromedp.ByID),
		shot("4-closed-plan"),
	)
	if len(tasks) != 3 || !strings.Contains(tasks[0], "苏州第") || !strings.Contains(tasks[0], "未检") {
		t.Errorf("closed plan tasks %q, want 3 enterprises, not inspected", tasks)
	}
	if !strings.Contains(seedNote, "公告") || !strings.Contains(command, fmt.Sprintf("spotcheck plan verify --from plan-%d.json --key ", f.plan.ID)) {
		t.Errorf("closed plan: seed note %q, command %q", seedNote, command)
	}
}

// TestPublicDrandRecord follows a drand-seeded draw from the relay to the
// public record: the fire announces quicknet round 1000 (a real round,
// served by a local relay), the scheduler fetches and verifies it and draws
// the plan; once closed, its record verifies offline, and with the round's
// signature replaced by another round's it fails naming the signature.
func TestPublicDrandRecord(t *testing.T) {
	ctx := t.Context()
	raw, err := os.ReadFile("../beacon/testdata/quicknet_rounds.json")
	if err != nil {
		t.Fatal(err)
	}
	var rounds []beacon.Round
	if err := json.Unmarshal(raw, &rounds); err != nil {
		t.Fatal(err)
	}
	q := beacon.Quicknet()
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rd := range rounds {
			if r.URL.Path == fmt.Sprintf("/%s/public/%d", q.Hash, rd.Round) {
				json.NewEncoder(w).Encode(rd)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(relay.Close)
	cfg, err := config.Parse("test.yaml", []byte(testConfig+fmt.Sprintf(`schedules:
  - name: textiles-drand
    industry: textiles
    cron: "0 9 1 * *"
    batches: 3
    inspectors_per_task: 1
    seed: beacon
    beacon: {kind: drand, relays: [%s], delay: 1m}
`, relay.URL)))
	if err != nil {
		t.Fatal(err)
	}
	store := drawsStore(t)
	nominal := q.RoundTime(1000).Add(-time.Minute - time.Second)
	clk := &clock{t: nominal}
	sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-drand", Kind: sampling.KindScheduled, NominalTime: nominal}); err != nil || !made {
		t.Fatalf("Fire = %v, %v", made, err)
	}
	clk.set(q.RoundTime(1000).Add(5 * time.Second))
	if err := sched.PollBeacons(ctx); err != nil {
		t.Fatal(err)
	}
	anns, err := store.Announcements(ctx, storage.AnnouncementFilter{})
	if err != nil || len(anns) != 1 || anns[0].Awaiting() {
		t.Fatalf("announcements = %+v, %v; want one, drawn", anns, err)
	}
	srv := httptest.NewServer(NewHandler(Deps{Config: cfg, Store: store, Gatherer: prometheus.NewRegistry(), Logger: storagetest.Logger(t), Now: clk.now}))
	t.Cleanup(srv.Close)
	f := &drawsFixture{srv: srv, store: store, clock: clk}
	if _, err := store.ClosePlans(ctx, sampling.DayOf(q.RoundTime(1000).Add(60*24*time.Hour), time.UTC), clk.now()); err != nil {
		t.Fatal(err)
	}
	var key struct {
		PublicKey string `json:"public_key"`
	}
	json.Unmarshal(f.get(t, "/api/v1/public/key", http.StatusOK), &key)
	pub, _ := hex.DecodeString(key.PublicKey)
	data := f.get(t, fmt.Sprintf("/api/v1/public/plans/%d", anns[0].PlanID.Int64), http.StatusOK)
	rec, err := publication.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Beacon == nil || rec.Beacon.Round != 1000 || rec.Beacon.Signature != rounds[0].Signature {
		t.Fatalf("record beacon %+v, want quicknet round 1000", rec.Beacon)
	}
	if diffs := publication.Verify(rec, publication.Options{PublicKey: pub}); len(diffs) != 0 {
		t.Fatalf("Verify(drand plan's record) = %q, want none", diffs)
	}
	rec.Beacon.Signature = rounds[1].Signature
	diffs := publication.Verify(rec, publication.Options{PublicKey: pub})
	if len(diffs) == 0 || !strings.Contains(strings.Join(diffs, "\n"), "signature does not verify against the chain's public key") {
		t.Errorf("Verify(record with round 1001's signature) = %q, want the forged signature named", diffs)
	}
}

// TestAnnouncementOverdueAfterMaxWait: an announcement awaiting its beacon
// is still awaiting exactly max_wait (3 days) after its value was due, and
// overdue a second later.
func TestAnnouncementOverdueAfterMaxWait(t *testing.T) {
	f := newDrawsFixture(t)
	anns, err := f.store.Announcements(t.Context(), storage.AnnouncementFilter{Sequence: 1})
	if err != nil || len(anns) != 1 {
		t.Fatalf("Announcements(1) = %d, %v", len(anns), err)
	}
	if want := time.Date(2026, 11, 2, 9, 0, 0, 0, shanghai); !anns[0].DueAt.Equal(want) {
		t.Fatalf("announcement 1 due at %s, want %s (a day after the fire)", anns[0].DueAt, want)
	}
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{anns[0].DueAt.Add(72 * time.Hour), "awaiting_beacon"},
		{anns[0].DueAt.Add(72*time.Hour + time.Second), "overdue"},
	} {
		f.clock.set(tc.at)
		var one publicAnnouncement
		decode(t, f.get(t, "/api/v1/public/announcements/1", http.StatusOK), &one)
		if one.Status != tc.want {
			t.Errorf("announcement 1 status at %s = %q, want %q", tc.at.In(shanghai), one.Status, tc.want)
		}
	}
}

// TestAnnouncementPageLinksPrevious: an announcement's page links the
// previous announcement by its sequence, and the first links none.
func TestAnnouncementPageLinksPrevious(t *testing.T) {
	f := newDrawsFixture(t)
	second := string(f.get(t, "/public/announcements/2", http.StatusOK))
	if !strings.Contains(second, `<a href="/public/announcements/1">`) || strings.Contains(second, `<a href="/public/announcements/3">`) {
		t.Errorf("announcement 2's page does not link announcement 1 (and only it) as the previous:\n%s", second)
	}
	first := string(f.get(t, "/public/announcements/1", http.StatusOK))
	if strings.Contains(first, `<a href="/public/announcements/0">`) || !strings.Contains(first, "（第一份") {
		t.Errorf("announcement 1's page links a previous one, or does not say it is the first:\n%s", first)
	}
}

// TestPublicPagesLogNoError: the public pages render without logging an
// error (a failed render is logged as one).
func TestPublicPagesLogNoError(t *testing.T) {
	f := newDrawsFixture(t)
	var logs logBuffer
	d := f.deps
	d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	f.srv = httptest.NewServer(NewHandler(d))
	t.Cleanup(f.srv.Close)
	for _, path := range []string{"/public/announcements", "/public/announcements/1", "/public/announcements/2", fmt.Sprintf("/public/plans/%d", f.plan.ID)} {
		f.get(t, path, http.StatusOK)
	}
	if got := logs.records(t, slog.LevelError); len(got) != 0 {
		t.Errorf("errors logged rendering the public pages: %q", got)
	}
}

// TestClosedPlanPageAnnouncementLink: the public page of a closed plan
// drawn from a beacon links its announcement; that of a plan drawn with a
// seed of its own links none.
func TestClosedPlanPageAnnouncementLink(t *testing.T) {
	beaconPlan := newDrawsFixture(t)
	if _, err := beaconPlan.store.ClosePlans(t.Context(), sampling.NewDay(2027, 2, 1), beaconPlan.clock.now()); err != nil {
		t.Fatal(err)
	}
	page := string(beaconPlan.get(t, fmt.Sprintf("/public/plans/%d", beaconPlan.plan.ID), http.StatusOK))
	if !strings.Contains(page, `<a href="/public/announcements/2" id="announcement-link">`) {
		t.Errorf("closed beacon plan's page does not link announcement 2:\n%s", page)
	}
	seeded := newFixture(t, storage.SQLite)
	if _, err := seeded.store.ClosePlans(t.Context(), sampling.NewDay(2027, 2, 1), seeded.clock.now()); err != nil {
		t.Fatal(err)
	}
	status, body := seeded.do("", http.MethodGet, fmt.Sprintf("/public/plans/%d", seeded.plan.ID), "")
	if status != http.StatusOK || strings.Contains(string(body), "announcement-link") {
		t.Errorf("closed seeded plan's page = %d, links an announcement: %v", status, strings.Contains(string(body), "announcement-link"))
	}
}

// TestPublicAnnouncementDrawFailed: an announcement whose draw failed with
// its beacon value shows as draw_failed, with the value, on the API and
// both pages, saying the draw is void; the reason, which names the drawn
// unit that no inspector could take, stays out of the public view.
func TestPublicAnnouncementDrawFailed(t *testing.T) {
	f := newDrawsFixture(t)
	const unit = "91320500MA00000003"
	reason := errors.New("stratum 吴江区, task " + unit + "/garments (county 吴江区): 0 eligible inspectors, inspectors_per_task needs 1")
	if _, err := f.store.FailAnnounced(t.Context(), 1, beacon.Value{Kind: beacon.KindText, Text: "042"}, reason, f.clock.now); err != nil {
		t.Fatal(err)
	}
	body := f.get(t, "/api/v1/public/announcements/1", http.StatusOK)
	var one publicAnnouncement
	decode(t, body, &one)
	if one.Status != "draw_failed" || one.BeaconValue == nil || one.BeaconValue.Text != "042" || one.Plan != 0 {
		t.Errorf("announcement 1 = status %q, value %+v, plan %d; want draw_failed with value 042 and no plan", one.Status, one.BeaconValue, one.Plan)
	}
	if strings.Contains(string(body), unit) {
		t.Errorf("the public announcement names the unit of the failure: %s", body)
	}
	page := string(f.get(t, "/public/announcements/1", http.StatusOK))
	if !strings.Contains(page, `<span class="status st-draw_failed">抽取失败`) || !strings.Contains(page, `id="draw-failed"`) ||
		!strings.Contains(page, "042") || strings.Contains(page, unit) {
		t.Errorf("announcement 1's page does not show the void draw with its value, or names the unit:\n%s", page)
	}
	chain := string(f.get(t, "/public/announcements", http.StatusOK))
	if !strings.Contains(chain, `st-draw_failed`) || strings.Contains(chain, unit) {
		t.Errorf("the chain page does not show announcement 1's draw as failed, or names the unit:\n%s", chain)
	}
}

// TestEndedPeriodsJanuary: in January the index's ended quarters and months
// reach back into the year before, and the current year is not listed.
func TestEndedPeriodsJanuary(t *testing.T) {
	var got []string
	for _, group := range endedPeriods("2027-01-01") {
		for _, l := range group {
			got = append(got, l.Period+" "+l.Label)
		}
	}
	want := []string{"2026 2026 年", "2025 2025 年", "2026Q4 2026 年第 4 季度", "2026Q3 2026 年第 3 季度", "2026Q2 2026 年第 2 季度", "2026Q1 2026 年第 1 季度",
		"2026-12 2026 年 12 月", "2026-11 2026 年 11 月", "2026-10 2026 年 10 月", "2026-09 2026 年 9 月", "2026-08 2026 年 8 月", "2026-07 2026 年 7 月"}
	if !slices.Equal(got, want) {
		t.Errorf("endedPeriods(2027-01-01) = %q, want %q", got, want)
	}
	if g := endedPeriods("2026-12-31"); g[1][0].Period != "2026Q3" || g[2][0].Period != "2026-11" {
		t.Errorf("endedPeriods(2026-12-31) starts %s, %s; want 2026Q3, 2026-11 (December and Q4 not ended)", g[1][0].Period, g[2][0].Period)
	}
}
