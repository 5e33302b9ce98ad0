package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"spotcheck/bulletin"
	"spotcheck/chores"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

const testConfig = `timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general, quantity: {test: 2, backup: 2}}
      - {id: childrens-garments, name: 童装, tier: key, quantity: {test: 3, backup: 3}}
`

// clock is a settable clock for the handlers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// fixture is a served API over a real store holding one open plan whose
// tasks are split between inspectors I001 (A) and I002 (B), and tokens of
// every role.
type fixture struct {
	t      testing.TB
	srv    *httptest.Server
	store  *storage.Store
	cfg    *config.Config
	clock  *clock
	mon    *monitor.Monitor
	plan   sampling.Plan
	tokens map[string]string // by caller: viewer, A, B, admin, feedA
	tokIDs map[string]string
	taskA  int64 // a task of A only
	taskB  int64 // a task of B only
	deps   Deps  // what srv serves, for a test to serve again with changes
}

var shanghai = time.FixedZone("CST", 8*3600)

func newFixture(t testing.TB, backend string) *fixture {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	store := storagetest.Open(t, backend)
	var units []sampling.Unit
	for i := range 8 {
		cat := "garments"
		if i%3 == 0 {
			cat = "childrens-garments"
		}
		units = append(units, sampling.Unit{CreditCode: fmt.Sprintf("91320500MA000000%02d", i), Enterprise: fmt.Sprintf("苏州第%d服装有限公司", i),
			County: []string{"姑苏区", "吴江区"}[i%2], Industry: "textiles", Category: cat, Risk: "B"})
	}
	inspectors := []sampling.Inspector{
		{ID: "I001", Name: "张伟", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I002", Name: "王芳", County: "吴江区", Industries: []string{"textiles"}},
	}
	if err := store.UpsertUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertInspectors(ctx, inspectors); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)}
	tiers := map[string]string{}
	for _, c := range cfg.Industry("textiles").Categories {
		tiers[c.ID] = c.Tier
	}
	in := sampling.SRSInputs{
		Spec: sampling.SRSSpec{Schedule: "textiles-monthly", Industry: "textiles", Kind: sampling.KindScheduled,
			NominalTime: time.Date(2026, 11, 1, 9, 0, 0, 0, shanghai), Categories: tiers,
			Batches: 4, InspectorsPerTask: 1, MaxTasksPerInspector: 2, Due: time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)},
		Frame: units, Inspectors: inspectors,
	}
	plan, err := in.Redraw(bytes.Repeat([]byte{3}, sampling.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	plan.Inputs = &in
	storagetest.Commit(t, store, &plan)
	f := &fixture{t: t, store: store, cfg: cfg, clock: clk, plan: plan, tokens: map[string]string{}, tokIDs: map[string]string{}}
	for _, task := range plan.Tasks {
		switch task.Inspectors[0] {
		case "I001":
			f.taskA = task.ID
		case "I002":
			f.taskB = task.ID
		}
	}
	if f.taskA == 0 || f.taskB == 0 {
		t.Fatalf("plan tasks %+v: want tasks of both I001 and I002", plan.Tasks)
	}
	for name, nt := range map[string]storage.NewToken{
		"viewer": {Role: sampling.RoleViewer},
		"A":      {Role: sampling.RoleInspector, Inspector: "I001"},
		"B":      {Role: sampling.RoleInspector, Inspector: "I002"},
		"admin":  {Role: sampling.RoleAdmin},
		"feedA":  {Role: sampling.RoleInspector, Inspector: "I001", Feed: true},
	} {
		secret, tok, err := store.CreateToken(ctx, nt, clk.now())
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[name], f.tokIDs[name] = secret, tok.ID
	}
	mon := monitor.New(cfg, store, clk.now, storagetest.Logger(t))
	t.Cleanup(store.Watch(mon.Apply)) // as serve does
	f.mon = mon
	bulletins, err := bulletin.NewRenderer(bulletin.CJKFonts())
	if err != nil {
		t.Fatal(err)
	}
	work := chores.New(cfg, store, mon, storagetest.Logger(t), chores.Options{Now: clk.now})
	f.deps = Deps{Config: cfg, Store: store, Monitor: mon, Chores: work, Bulletins: bulletins, Gatherer: prometheus.NewRegistry(),
		Logger: storagetest.Logger(t), Now: clk.now}
	f.srv = httptest.NewServer(NewHandler(f.deps))
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request as caller ("" for anonymous) and returns the status
// and body.
func (f *fixture) do(caller, method, path, body string) (int, []byte) {
	f.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.srv.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if caller != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[caller])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// decode decodes a JSON body into v, failing the test when it is not.
func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// taskIDs returns the ids of the tasks in a GET /api/v1/tasks body.
func taskIDs(t *testing.T, data []byte) []int64 {
	t.Helper()
	var body struct {
		Tasks []taskView `json:"tasks"`
	}
	decode(t, data, &body)
	var ids []int64
	for _, v := range body.Tasks {
		ids = append(ids, v.ID)
	}
	slices.Sort(ids)
	return ids
}

// tasksOf returns the ids of the plan's tasks assigned to inspector.
func (f *fixture) tasksOf(inspector string) []int64 {
	var ids []int64
	for _, t := range f.plan.Tasks {
		if slices.Contains(t.Inspectors, inspector) {
			ids = append(ids, t.ID)
		}
	}
	slices.Sort(ids)
	return ids
}
