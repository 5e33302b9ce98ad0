package storage_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// forEachBackend runs test against a fresh store on every backend.
func forEachBackend(t *testing.T, test func(t *testing.T, s *storage.Store)) {
	forEachBackendWith(t, nil, test)
}

// forEachBackendWith is forEachBackend with stores opened with opts.
func forEachBackendWith(t *testing.T, opts []storage.Option, test func(t *testing.T, s *storage.Store)) {
	for _, b := range storagetest.Backends() {
		t.Run(b, func(t *testing.T) {
			test(t, storagetest.Open(t, b, opts...))
		})
	}
}

// withObjection is the option of an objection policy, the clock left as
// time.Now.
func withObjection(p sampling.ObjectionPolicy) []storage.Option {
	return []storage.Option{storage.WithResultPolicy(storage.ResultPolicy{Objection: p})}
}

func code(t *testing.T, body string) string {
	t.Helper()
	c, err := sampling.CreditCodeCheck(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(c)
}

// seedRegistry stores n textile units in two counties and four inspectors.
func seedRegistry(t *testing.T, s *storage.Store, n int) []sampling.Unit {
	t.Helper()
	var units []sampling.Unit
	for i := range n {
		units = append(units, sampling.Unit{
			CreditCode: code(t, fmt.Sprintf("91320500MA%07d", i)),
			Enterprise: fmt.Sprintf("苏州纺织%d有限公司", i),
			County:     []string{"姑苏区", "吴江区"}[i%2],
			Industry:   "textiles",
			Category:   "garments",
			Risk:       "B",
		})
	}
	if err := s.UpsertUnits(t.Context(), units); err != nil {
		t.Fatalf("UpsertUnits: %v", err)
	}
	ins := []sampling.Inspector{
		{ID: "I001", Name: "张伟", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I002", Name: "王芳", County: "吴江区", Industries: []string{"textiles", "food"}},
		{ID: "I003", Name: "李娜", County: "吴江区", Industries: []string{"textiles"}, Recusals: []string{units[0].CreditCode}},
		{ID: "I004", Name: "刘洋", County: "姑苏区", Industries: []string{"food"}},
	}
	if err := s.UpsertInspectors(t.Context(), ins); err != nil {
		t.Fatalf("UpsertInspectors: %v", err)
	}
	return units
}

var nominal = time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)

func drawPlan(t *testing.T, s *storage.Store, kind string, at time.Time, batches int) sampling.Plan {
	t.Helper()
	frame, err := s.Frame(t.Context(), "textiles")
	if err != nil {
		t.Fatal(err)
	}
	ins, err := s.Inspectors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	seed := make([]byte, sampling.SeedSize)
	seed[0] = byte(at.Unix())
	p, err := sampling.DrawSRS(sampling.SRSSpec{
		Schedule: "textiles-monthly", Industry: "textiles", NominalTime: at, Kind: kind,
		Categories: map[string]string{"garments": "general"}, Batches: batches,
		InspectorsPerTask: 2, Due: at.AddDate(0, 0, 30),
	}, seed, frame, ins)
	if err != nil {
		t.Fatalf("Draw: %v", err)
	}
	return p
}

func TestRegistry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		units := seedRegistry(t, s, 10)
		// Upserting again changes a name and adds nothing.
		units[3].Enterprise = "改名有限公司"
		if err := s.UpsertUnits(t.Context(), units); err != nil {
			t.Fatal(err)
		}
		frame, err := s.Frame(t.Context(), "textiles")
		if err != nil {
			t.Fatal(err)
		}
		if len(frame) != 10 {
			t.Fatalf("Frame(textiles) has %d units, want 10", len(frame))
		}
		if !slices.ContainsFunc(frame, func(u sampling.Unit) bool { return u.Enterprise == "改名有限公司" }) {
			t.Errorf("Frame(textiles) lacks the renamed enterprise")
		}
		if other, err := s.Frame(t.Context(), "food"); err != nil || len(other) != 0 {
			t.Errorf("Frame(food) = %d units, %v; want 0, nil", len(other), err)
		}
		ins, err := s.Inspectors(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 4 || !slices.Equal(ins[1].Industries, []string{"food", "textiles"}) || !slices.Equal(ins[2].Recusals, []string{units[0].CreditCode}) {
			t.Errorf("Inspectors() = %+v", ins)
		}
	})
}

func TestCommitPlanExactlyOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 30)
		// Eight writers race to make the same fire; exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		made := 0
		for range 8 {
			wg.Go(func() {
				p := drawPlan(t, s, sampling.KindScheduled, nominal, 5)
				ok, err := s.CommitPlan(context.Background(), &p, "")
				if err != nil {
					t.Errorf("CommitPlan: %v", err)
				}
				if ok {
					mu.Lock()
					made++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if made != 1 {
			t.Fatalf("%d writers made the fire, want 1", made)
		}
		// A catch-up of the same nominal time is the same fire.
		p := drawPlan(t, s, sampling.KindCatchUp, nominal, 5)
		if ok, err := s.CommitPlan(t.Context(), &p, ""); ok || err != nil {
			t.Errorf("CommitPlan(catch-up of a made fire) = %v, %v; want false, nil", ok, err)
		}
		// A manual fire at the same instant has its own key.
		p = drawPlan(t, s, sampling.KindManual, nominal, 5)
		if ok, err := s.CommitPlan(t.Context(), &p, "admin"); !ok || err != nil {
			t.Errorf("CommitPlan(manual) = %v, %v; want true, nil", ok, err)
		}
		plans, err := s.Plans(t.Context(), storage.PlanFilter{WithTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(plans) != 2 {
			t.Fatalf("Plans() = %d plans, want 2", len(plans))
		}
		for _, p := range plans {
			if len(p.Tasks) != 5 || p.TaskCount != 5 || !p.NominalTime.Equal(nominal) {
				t.Errorf("plan %d: %d tasks (task_count %d) at %v, want 5 at %v", p.ID, len(p.Tasks), p.TaskCount, p.NominalTime, nominal)
			}
		}
		fires, err := s.Fires(t.Context(), "textiles-monthly", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(fires) != 2 || fires[0].Status != sampling.FireMade {
			t.Errorf("Fires() = %+v, want 2 made fires", fires)
		}
	})
}

func TestPlanRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 12)
		want := drawPlan(t, s, sampling.KindScheduled, nominal, 4)
		if ok, err := s.CommitPlan(t.Context(), &want, ""); !ok || err != nil {
			t.Fatalf("CommitPlan = %v, %v", ok, err)
		}
		got, err := s.Plan(t.Context(), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		got.NominalTime, want.NominalTime = got.NominalTime.UTC(), want.NominalTime.UTC()
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("Plan(%d) =\n%+v\nwant\n%+v", want.ID, got, want)
		}
		if _, err := s.Plan(t.Context(), 999); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Plan(999) error = %v, want ErrNotFound", err)
		}
	})
}

func TestRecordResults(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 6)
		if _, err := s.CommitPlan(t.Context(), &p, ""); err != nil {
			t.Fatal(err)
		}
		today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		ids := make([]int64, len(p.Tasks))
		for i, task := range p.Tasks {
			ids[i] = task.ID
		}
		good := []sampling.Result{
			{TaskID: ids[0], Outcome: "pass", TestedOn: "2026-11-10"},
			{TaskID: ids[1], Outcome: "fail", TestedOn: "2026-11-10", FailedItems: "纤维含量"},
			{TaskID: ids[2], Outcome: "pass", TestedOn: "2026-11-12", ReportNo: "R3"},
		}

		// A batch with bad rows stores nothing and lists every problem.
		bad := append(slices.Clone(good),
			sampling.Result{TaskID: 99999, Outcome: "pass", TestedOn: "2026-11-10"},
			sampling.Result{TaskID: ids[3], Outcome: "fail", TestedOn: "2026-11-10"},
			sampling.Result{TaskID: ids[4], Outcome: "pass", TestedOn: "2026-12-01"},
			sampling.Result{TaskID: ids[5], Outcome: "pass", TestedOn: "2026-10-01"},
		)
		_, err := s.RecordResults(t.Context(), bad, today)
		var rej *storage.RejectedError
		if !errors.As(err, &rej) {
			t.Fatalf("RecordResults(bad) error = %v, want *RejectedError", err)
		}
		var got []string
		for _, pr := range rej.Problems {
			got = append(got, fmt.Sprintf("%d %s", pr.Index, pr.Field))
		}
		if want := []string{"3 task_id", "4 failed_items", "5 tested_on", "6 tested_on"}; !slices.Equal(got, want) {
			t.Errorf("problems = %v, want %v\n%v", got, want, err)
		}
		if r, err := s.Rollups(t.Context(), ""); err != nil || len(r) != 0 {
			t.Fatalf("rejected batch left rollups %+v", r)
		}

		n, err := s.RecordResults(t.Context(), good, today)
		if err != nil || n != 3 {
			t.Fatalf("RecordResults(good) = %d, %v; want 3, nil", n, err)
		}
		// Sent again: accepted, stored once.
		if n, err := s.RecordResults(t.Context(), good, today); err != nil || n != 0 {
			t.Errorf("RecordResults(again) = %d, %v; want 0, nil", n, err)
		}
		// A different result for a recorded task is a conflict.
		_, err = s.RecordResults(t.Context(), []sampling.Result{{TaskID: ids[0], Outcome: "fail", TestedOn: "2026-11-10", FailedItems: "x"}}, today)
		if !errors.As(err, &rej) || !rej.Conflict() {
			t.Errorf("RecordResults(conflict) error = %v, want a conflict", err)
		}

		rollups, err := s.Rollups(t.Context(), dayOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
		if err != nil {
			t.Fatal(err)
		}
		tested, failed := 0, 0
		for _, r := range rollups {
			tested += r.Tested
			failed += r.Failed
			if r.Tier != "general" || r.Industry != "textiles" || r.Category != "garments" {
				t.Errorf("rollup %+v: wrong keys", r)
			}
		}
		if tested != 3 || failed != 1 {
			t.Errorf("rollups count %d tested, %d failed; want 3, 1", tested, failed)
		}
		counts, err := s.TaskCounts(t.Context(), dayOf(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)))
		if err != nil {
			t.Fatal(err)
		}
		if counts["tested"] != 3 || counts["overdue"] != 3 {
			t.Errorf("TaskCounts = %v, want 3 tested, 3 overdue", counts)
		}
		// By county: each task counted where its enterprise is, and every
		// county with tasks has each state, at 0 when none.
		want := map[sampling.TaskCount]int{}
		for i, task := range p.Tasks {
			state := sampling.TaskOverdue
			if i < 3 {
				state = sampling.TaskTested
			}
			for _, st := range []string{sampling.TaskAssigned, sampling.TaskTested, sampling.TaskOverdue, sampling.TaskLapsed} {
				want[sampling.TaskCount{State: st, Tier: "general", Industry: "textiles", County: task.County}] += 0
			}
			want[sampling.TaskCount{State: state, Tier: "general", Industry: "textiles", County: task.County}]++
		}
		by, err := s.TaskCountsBy(t.Context(), dayOf(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)))
		if err != nil {
			t.Fatal(err)
		}
		byPlace := map[sampling.TaskCount]int{}
		for _, c := range by {
			n := c.N
			c.N = 0
			byPlace[c] = n
		}
		if !maps.Equal(byPlace, want) {
			t.Errorf("TaskCountsBy = %v, want %v", byPlace, want)
		}
		pending, err := s.PendingTasks(t.Context(), 10)
		if err != nil || len(pending) != 3 {
			t.Errorf("PendingTasks = %d, %v; want 3", len(pending), err)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 10)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 2)
		if _, err := s.CommitPlan(t.Context(), &p, ""); err != nil {
			t.Fatal(err)
		}
		today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		r := sampling.Result{TaskID: p.Tasks[0].ID, Outcome: "pass", TestedOn: "2026-11-10"}
		for i, want := range []int{1, 0} {
			if n, err := s.RecordResult(t.Context(), r, "k1", today); n != want || err != nil {
				t.Errorf("RecordResult #%d = %d, %v; want %d, nil", i+1, n, err, want)
			}
		}
		other := sampling.Result{TaskID: p.Tasks[1].ID, Outcome: "pass", TestedOn: "2026-11-10"}
		if _, err := s.RecordResult(t.Context(), other, "k1", today); err == nil || !strings.Contains(err.Error(), "Idempotency-Key") {
			t.Errorf("RecordResult(reused key) error = %v, want an Idempotency-Key problem", err)
		}
	})
}
