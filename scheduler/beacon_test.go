package scheduler_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"spotcheck/beacon"
	"spotcheck/config"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// quicknetRounds are real quicknet rounds (beacon/testdata).
func quicknetRounds(t *testing.T) map[uint64]beacon.Round {
	t.Helper()
	b, err := os.ReadFile("../beacon/testdata/quicknet_rounds.json")
	if err != nil {
		t.Fatal(err)
	}
	var rounds []beacon.Round
	if err := json.Unmarshal(b, &rounds); err != nil {
		t.Fatal(err)
	}
	m := map[uint64]beacon.Round{}
	for _, r := range rounds {
		m[r.Round] = r
	}
	return m
}

// drandRelay serves rounds as a drand relay does; a relay that is down
// and one that forges round 1000 (with round 1001's signature) stand
// before it in the configuration.
func drandRelays(t *testing.T, rounds map[uint64]beacon.Round) []string {
	t.Helper()
	serve := func(forge bool) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var n uint64
			if _, err := fmt.Sscanf(r.URL.Path, "/"+beacon.Quicknet().Hash+"/public/%d", &n); err != nil {
				http.NotFound(w, r)
				return
			}
			rd, ok := rounds[n]
			if forge {
				rd, ok = rounds[1001], n == 1000
				rd.Round = n
			}
			if !ok {
				http.NotFound(w, r)
				return
			}
			_ = json.NewEncoder(w).Encode(rd)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	return []string{down.URL, serve(true), serve(false)}
}

const beaconConfig = `
timezone: Asia/Shanghai
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
schedules:
  - name: textiles-drand
    industry: textiles
    cron: "0 9 1 * *"
    batches: 3
    seed: beacon
    beacon: {kind: drand, relays: [%s], delay: 1m}
  - name: textiles-lottery
    industry: textiles
    cron: "0 9 1 * *"
    batches: 3
    seed: beacon
    beacon: {kind: text, description: 福彩3D开奖号码, template: "digits:3", after: 1d}
`

func beaconScheduler(t *testing.T, store *storage.Store, relays []string, clock *fakeClock) (*scheduler.Scheduler, *prometheus.Registry) {
	t.Helper()
	cfg, err := config.Parse("test.yaml", fmt.Appendf(nil, beaconConfig, strings.Join(relays, ", ")))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sched, err := scheduler.New(cfg, store, reg, storagetest.Logger(t), scheduler.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return sched, reg
}

// TestBeaconDrand follows a drand-seeded fire: the fire announces, the plan
// awaits the round (visibly), is drawn once the round is published by the
// one honest relay, from the frozen frame with the derived seed; and no
// alternative (another round, a forged one, a frame edit, a second draw)
// yields a second plan.
func TestBeaconDrand(t *testing.T) {
	rounds := quicknetRounds(t)
	q := beacon.Quicknet()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			store := storagetest.Open(t, backend)
			seed(t, store)
			// The fire is made so that round 1000 is the first published a
			// minute after it.
			nominal := q.RoundTime(1000).Add(-time.Minute - time.Second)
			clock := &fakeClock{t: nominal}
			sched, reg := beaconScheduler(t, store, drandRelays(t, rounds), clock)
			plan, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-drand", Kind: sampling.KindScheduled, NominalTime: nominal})
			if err != nil || !made || plan.ID != 0 {
				t.Fatalf("Fire = plan %d, %v, %v; want an announcement and no plan yet", plan.ID, made, err)
			}
			if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-drand", Kind: sampling.KindScheduled, NominalTime: nominal}); made || err != nil {
				t.Fatalf("second Fire of the same fire = %v, %v; want the ledger's", made, err)
			}
			anns, err := store.Announcements(ctx, storage.AnnouncementFilter{})
			if err != nil || len(anns) != 1 {
				t.Fatalf("Announcements = %d, %v; want 1", len(anns), err)
			}
			a := anns[0]
			if a.Published.Beacon.Round != 1000 || a.Published.Sequence != 1 || a.Published.Previous != "" || !a.Awaiting() ||
				a.Published.FrameSize != 20 || !a.DueAt.Equal(q.RoundTime(1000)) {
				t.Fatalf("announcement = %+v, want sequence 1 naming round 1000, frame of 20, awaiting", a.Published)
			}
			if diffs := publication.VerifyChain([]publication.Announcement{a.Published}, nil); len(diffs) != 0 {
				t.Errorf("VerifyChain(stored announcement) = %q", diffs)
			}

			// Before the round: nothing is drawn, and the wait shows.
			clock.set(q.RoundTime(1000).Add(-time.Second))
			if err := sched.PollBeacons(ctx); err != nil {
				t.Fatal(err)
			}
			if got := testutil.ToFloat64(gauge(t, reg, "spotcheck_announcements_awaiting_beacon")); got != 1 {
				t.Errorf("spotcheck_announcements_awaiting_beacon = %v, want 1", got)
			}
			// The registry changes after the announcement: the draw must not see it.
			if err := store.UpsertUnits(ctx, []sampling.Unit{{CreditCode: "91320500MA0000099X", Enterprise: "新企业", County: "吴江区",
				Industry: "textiles", Category: "garments", Risk: "D"}}); err != nil {
				t.Fatal(err)
			}
			// Two hours late: overdue against max_wait 1h.
			clock.set(q.RoundTime(1000).Add(2 * time.Hour))
			if err := sched.PollBeacons(ctx); err != nil {
				t.Fatal(err)
			}
			anns, _ = store.Announcements(ctx, storage.AnnouncementFilter{})
			if anns[0].Awaiting() {
				t.Fatalf("announcement still awaiting after the round was published")
			}
			plans, err := store.Plans(ctx, storage.PlanFilter{})
			if err != nil || len(plans) != 1 {
				t.Fatalf("Plans = %d, %v; want 1", len(plans), err)
			}
			p := plans[0]
			r := rounds[1000]
			v := beacon.Value{Kind: beacon.KindDrand, Chain: q.Hash, Round: 1000, Signature: r.Signature, Randomness: r.Randomness}
			if want := hex.EncodeToString(beacon.DeriveSeed(a.Hash, v)); p.Seed != want || p.FrameDigest != a.Published.FrameDigest || p.FrameSize != 20 {
				t.Errorf("plan seed %s frame %s of %d, want seed %s frame %s of 20", p.Seed, p.FrameDigest, p.FrameSize, want, a.Published.FrameDigest)
			}
			if anns[0].PlanID.Int64 != p.ID || anns[0].Value == nil || anns[0].Value.Signature != r.Signature {
				t.Errorf("announcement records plan %d value %+v, want plan %d and round 1000", anns[0].PlanID.Int64, anns[0].Value, p.ID)
			}
			if got := testutil.ToFloat64(gauge(t, reg, "spotcheck_announcements_awaiting_beacon")); got != 0 {
				t.Errorf("spotcheck_announcements_awaiting_beacon after the draw = %v, want 0", got)
			}
			stored, rec, err := store.PlanRecord(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sampling.Verify(rec, stored); err != nil {
				t.Errorf("Verify(beacon plan) = %v", err)
			}

			// Alternatives: none makes a second plan.
			tried := 0
			try := func(name string, v beacon.Value) {
				t.Helper()
				tried++
				if p, err := sched.DrawAnnounced(ctx, a.Sequence, v, false); err == nil {
					t.Errorf("DrawAnnounced(%s) made plan %d", name, p.ID)
				}
			}
			try("the same round again", v)
			for n, rd := range rounds {
				if n != 1000 {
					try(fmt.Sprintf("round %d", n), beacon.Value{Kind: beacon.KindDrand, Chain: q.Hash, Round: n, Signature: rd.Signature, Randomness: rd.Randomness})
				}
			}
			forged := v
			forged.Signature = rounds[1001].Signature
			try("round 1000 with 1001's signature", forged)
			try("a text value", beacon.Value{Kind: beacon.KindText, Text: "517"})
			if plans, _ := store.Plans(ctx, storage.PlanFilter{}); len(plans) != 1 || tried != 8 {
				t.Errorf("after %d alternatives: %d plans, want 1", tried, len(plans))
			}
			if _, err := sched.DrawAnnounced(ctx, a.Sequence, v, false); !errors.Is(err, storage.ErrDrawn) {
				t.Errorf("DrawAnnounced(again) = %v, want ErrDrawn", err)
			}
			// A dry run with the real beacon shows the plan that was drawn.
			dry, err := sched.DrawAnnounced(ctx, a.Sequence, v, true)
			if err != nil || dry.Commitment != p.Commitment {
				t.Errorf("DrawAnnounced(dry run) = %s, %v; want the drawn plan's commitment %s", dry.Commitment, err, p.Commitment)
			}
		})
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) > 0 {
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name})
			g.Set(mf.Metric[0].GetGauge().GetValue())
			return g
		}
	}
	t.Fatalf("metric %s not found", name)
	return nil
}

// TestBeaconText follows a text-seeded fire: a value that does not fit the
// template is refused, the one spelling draws the plan once; then 100
// alternatives (seeds, spellings, other results, registry edits) each fail
// to make a second plan.
func TestBeaconText(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			store := storagetest.Open(t, backend)
			seed(t, store)
			nominal := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			clock := &fakeClock{t: nominal}
			sched, _ := beaconScheduler(t, store, []string{"https://relay.invalid"}, clock)
			// A beacon schedule takes no seed and no dry run.
			if _, _, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindManual, NominalTime: nominal, RequestedBy: "", Seed: sampling.SeedFromText("517")}); !errors.Is(err, scheduler.ErrBeaconSchedule) {
				t.Errorf("Fire(beacon schedule, --seed-from) = %v, want ErrBeaconSchedule", err)
			}
			if _, _, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal}); err != nil {
				t.Fatal(err)
			}
			anns, _ := store.Announcements(ctx, storage.AnnouncementFilter{Awaiting: true})
			if len(anns) != 1 || anns[0].Published.Beacon.Template != "digits:3" || !anns[0].DueAt.Equal(nominal.Add(24*time.Hour)) {
				t.Fatalf("announcements = %+v, want one text announcement due a day later", anns)
			}
			seq := anns[0].Sequence
			if _, err := sched.DrawAnnounced(ctx, seq, beacon.Value{Kind: beacon.KindText, Text: "5 17"}, false); err == nil || !strings.Contains(err.Error(), "2 groups") {
				t.Errorf("DrawAnnounced(5 17) = %v, want the template's refusal", err)
			}
			if _, err := sched.DrawAnnounced(ctx, seq, beacon.Value{Kind: beacon.KindText, Text: "517"}, false); err != nil {
				t.Fatalf("DrawAnnounced(517) = %v", err)
			}
			// The 100 alternatives: none yields a second plan.
			tried := 0
			// 25 seeds chosen freely, for the same fire or a manual one.
			for i := range 25 {
				s := make([]byte, 32)
				s[0] = byte(i)
				kind := []string{sampling.KindScheduled, sampling.KindManual}[i%2]
				if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: kind, NominalTime: nominal, Seed: sampling.Seed{Bytes: s}}); made || !errors.Is(err, scheduler.ErrBeaconSchedule) {
					t.Errorf("Fire(seed %x) = %v, %v; want ErrBeaconSchedule", s[:1], made, err)
				}
				tried++
			}
			// 25 spellings of the result: refused, or the one spelling,
			// whose plan is drawn already.
			tpl, _ := beacon.ParseTemplate("digits:3")
			for _, sp := range []string{"517", " 517", "５１７", "0517", "51 7", "517.", "五一七", "5l7", "51", "5170", "5-1-7", "517\n",
				"5,17", "+517", "517+", "Ⅴ17", "S17", "517 517", "05 17", "5１7", "、517", "517、", "\t517", "5 1 7", "517 0"} {
				if norm, err := tpl.Normalize(sp); err == nil {
					sp = norm
				}
				if _, err := sched.DrawAnnounced(ctx, seq, beacon.Value{Kind: beacon.KindText, Text: sp}, false); err == nil {
					t.Errorf("DrawAnnounced(%q) made a second plan", sp)
				}
				tried++
			}
			// 25 other results (as if the beacon had been read differently).
			for i := range 25 {
				v := beacon.Value{Kind: beacon.KindText, Text: fmt.Sprintf("%03d", 600+i)}
				if _, err := sched.DrawAnnounced(ctx, seq, v, false); !errors.Is(err, storage.ErrDrawn) {
					t.Errorf("DrawAnnounced(%s) = %v, want ErrDrawn", v.Text, err)
				}
				tried++
			}
			// 25 edits of the registry, each followed by the fire again and
			// the real value again.
			for i := range 25 {
				if err := store.UpsertUnits(ctx, []sampling.Unit{{CreditCode: fmt.Sprintf("91320500MA00001%02dX", i), Enterprise: "后加企业",
					County: "吴江区", Industry: "textiles", Category: "garments", Risk: "D"}}); err != nil {
					t.Fatal(err)
				}
				if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal}); made || err != nil {
					t.Errorf("Fire(same fire after a registry edit) = %v, %v; want the ledger's", made, err)
				}
				if _, err := sched.DrawAnnounced(ctx, seq, beacon.Value{Kind: beacon.KindText, Text: "517"}, false); !errors.Is(err, storage.ErrDrawn) {
					t.Errorf("DrawAnnounced(517) after a registry edit = %v, want ErrDrawn", err)
				}
				tried++
			}
			if plans, _ := store.Plans(ctx, storage.PlanFilter{}); len(plans) != 1 || tried != 100 {
				t.Errorf("%d plans after %d alternatives, want 1 after 100", len(plans), tried)
			}
			if anns, _ := store.Announcements(ctx, storage.AnnouncementFilter{}); len(anns) != 1 {
				t.Errorf("%d announcements, want 1", len(anns))
			}
		})
	}
}

// TestBeaconConcurrent has replicas race: four schedulers fire the same
// beacon fire at once (one announcement results), then all draw it at once
// (one plan results; the others find it drawn).
func TestBeaconConcurrent(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			store := storagetest.Open(t, backend)
			seed(t, store)
			nominal := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			clock := &fakeClock{t: nominal}
			var replicas []*scheduler.Scheduler
			for range 4 {
				sched, _ := beaconScheduler(t, store, []string{"https://relay.invalid"}, clock)
				replicas = append(replicas, sched)
			}
			var wg sync.WaitGroup
			made := make([]bool, len(replicas))
			errs := make([]error, len(replicas))
			for i, r := range replicas {
				wg.Go(func() {
					_, made[i], errs[i] = r.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal})
				})
			}
			wg.Wait()
			fresh := 0
			for i := range replicas {
				if errs[i] != nil {
					t.Fatalf("replica %d: Fire = %v", i, errs[i])
				}
				if made[i] {
					fresh++
				}
			}
			anns, _ := store.Announcements(ctx, storage.AnnouncementFilter{})
			if fresh != 1 || len(anns) != 1 {
				t.Fatalf("%d replicas announced, %d announcements; want 1 and 1", fresh, len(anns))
			}
			v := beacon.Value{Kind: beacon.KindText, Text: "517"}
			plans := make([]sampling.Plan, len(replicas))
			for i, r := range replicas {
				wg.Go(func() { plans[i], errs[i] = r.DrawAnnounced(ctx, anns[0].Sequence, v, false) })
			}
			wg.Wait()
			drawn := 0
			for i := range replicas {
				switch {
				case errs[i] == nil:
					drawn++
				case !errors.Is(errs[i], storage.ErrDrawn):
					t.Errorf("replica %d: DrawAnnounced = %v, want a plan or ErrDrawn", i, errs[i])
				}
			}
			stored, _ := store.Plans(ctx, storage.PlanFilter{})
			if drawn != 1 || len(stored) != 1 {
				t.Errorf("%d replicas drew, %d plans stored; want 1 and 1", drawn, len(stored))
			}
		})
	}
}

// TestBeaconFireFails checks that a beacon fire whose draw could not be
// made announces nothing: the fire is recorded as failed, with the reason,
// and the chain stays empty.
func TestBeaconFireFails(t *testing.T) {
	ctx := t.Context()
	store := storagetest.Open(t, storage.SQLite)
	seed(t, store) // two inspectors
	cfg, err := config.Parse("test.yaml", []byte(strings.Replace(fmt.Sprintf(beaconConfig, "https://relay.invalid"),
		"    batches: 3\n    seed: beacon\n    beacon: {kind: text", "    batches: 3\n    inspectors_per_task: 3\n    seed: beacon\n    beacon: {kind: text", 1)))
	if err != nil {
		t.Fatal(err)
	}
	nominal := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), storagetest.Logger(t), scheduler.Options{Now: func() time.Time { return nominal }})
	if err != nil {
		t.Fatal(err)
	}
	_, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal})
	var de *scheduler.DrawError
	if made || !errors.As(err, &de) {
		t.Fatalf("Fire = %v, %v; want a *DrawError", made, err)
	}
	fires, _ := storagetest.Fires(ctx, store, "textiles-lottery", nominal)
	if len(fires) != 1 || fires[0].Status != sampling.FireFailed || !strings.Contains(fires[0].Message, "inspectors_per_task needs 3") {
		t.Errorf("ledger = %+v, want one failed fire naming the constraint", fires)
	}
	if anns, _ := store.Announcements(ctx, storage.AnnouncementFilter{}); len(anns) != 0 {
		t.Errorf("%d announcements, want none", len(anns))
	}
}

// TestBeaconAnnouncementIsNoPlan: the fire of a beacon-seeded schedule
// announces its draw; that is no plan yet: OnPlan is not called and no lag
// or last success is recorded. The plan drawn from the beacon's value is
// then handed to OnPlan once.
func TestBeaconAnnouncementIsNoPlan(t *testing.T) {
	ctx := t.Context()
	store := storagetest.Open(t, storage.SQLite)
	seed(t, store)
	cfg, err := config.Parse("test.yaml", fmt.Appendf(nil, beaconConfig, "https://relay.invalid"))
	if err != nil {
		t.Fatal(err)
	}
	nominal := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: nominal}
	var handed []int64
	reg := prometheus.NewRegistry()
	sched, err := scheduler.New(cfg, store, reg, storagetest.Logger(t), scheduler.Options{Now: clock.now,
		OnPlan: func(_ context.Context, p sampling.Plan) { handed = append(handed, p.ID) }})
	if err != nil {
		t.Fatal(err)
	}
	plan, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal})
	if err != nil || !made || plan.ID != 0 {
		t.Fatalf("Fire = plan %d, %v, %v; want an announcement and no plan", plan.ID, made, err)
	}
	for _, name := range []string{"spotcheck_schedule_lag_seconds", "spotcheck_schedule_last_success_timestamp_seconds"} {
		if n := testutil.CollectAndCount(reg, name); n != 0 {
			t.Errorf("%s after the announcement: %d series, want none", name, n)
		}
	}
	if len(handed) != 0 {
		t.Errorf("OnPlan after the announcement got plans %v, want none", handed)
	}
	p, err := sched.DrawAnnounced(ctx, 1, beacon.Value{Kind: beacon.KindText, Text: "517"}, false)
	if err != nil || p.ID == 0 {
		t.Fatalf("DrawAnnounced(1, 517) = plan %d, %v", p.ID, err)
	}
	if len(handed) != 1 || handed[0] != p.ID {
		t.Errorf("OnPlan after the draw got plans %v, want [%d]", handed, p.ID)
	}
}

// TestPollBeaconsEverySchedule: PollBeacons polls each beacon-seeded
// schedule, not only the first: the text schedule, second in the
// configuration, shows its awaiting announcement, how long it has waited
// past its due time and its max_wait.
func TestPollBeaconsEverySchedule(t *testing.T) {
	ctx := t.Context()
	store := storagetest.Open(t, storage.SQLite)
	seed(t, store)
	nominal := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: nominal}
	sched, reg := beaconScheduler(t, store, []string{"https://relay.invalid"}, clock)
	if _, made, err := sched.Fire(ctx, scheduler.FireRequest{Schedule: "textiles-lottery", Kind: sampling.KindScheduled, NominalTime: nominal}); err != nil || !made {
		t.Fatalf("Fire(textiles-lottery) = %v, %v; want an announcement", made, err)
	}
	clock.set(nominal.Add(26 * time.Hour)) // two hours past the text's expected time
	if err := sched.PollBeacons(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"spotcheck_announcements_awaiting_beacon textiles-drand":   0,
		"spotcheck_announcements_awaiting_beacon textiles-lottery": 1,
		"spotcheck_beacon_wait_seconds textiles-drand":             0,
		"spotcheck_beacon_wait_seconds textiles-lottery":           7200,
		"spotcheck_beacon_max_wait_seconds textiles-drand":         3600,
		"spotcheck_beacon_max_wait_seconds textiles-lottery":       259200, // the text beacon's default
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if !strings.Contains(mf.GetName(), "beacon") {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == "schedule" {
					got[mf.GetName()+" "+l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("beacon gauges after PollBeacons = %v, want %v", got, want)
	}
}
