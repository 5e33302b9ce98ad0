package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage/storagetest"
)

// fakeRecorder stands in for the service: a queue of tasks and the results
// recorded for them. Like the service, it rejects results for unknown tasks
// and a second result for a task.
type fakeRecorder struct {
	mu          sync.Mutex
	tasks       []sampling.Task
	results     map[int64]sampling.Result
	batches     int   // successful RecordResults calls
	failPending int   // how many of the next PendingTasks calls fail
	recordErr   error // returned by every RecordResults call when set
}

func newFakeRecorder(tasks []sampling.Task) *fakeRecorder {
	return &fakeRecorder{tasks: tasks, results: map[int64]sampling.Result{}}
}

func (f *fakeRecorder) PendingTasks(ctx context.Context, limit int) ([]sampling.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPending > 0 {
		f.failPending--
		return nil, errors.New("database is locked")
	}
	var pending []sampling.Task
	for _, t := range f.tasks {
		if _, done := f.results[t.ID]; !done && len(pending) < limit {
			pending = append(pending, t)
		}
	}
	return pending, nil
}

func (f *fakeRecorder) RecordResults(ctx context.Context, results []sampling.Result) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recordErr != nil {
		return f.recordErr
	}
	for _, r := range results {
		if !slices.ContainsFunc(f.tasks, func(t sampling.Task) bool { return t.ID == r.TaskID }) {
			return fmt.Errorf("task %d: not found", r.TaskID)
		}
		if _, done := f.results[r.TaskID]; done {
			return fmt.Errorf("task %d: already has a result", r.TaskID)
		}
	}
	for _, r := range results {
		f.results[r.TaskID] = r
	}
	f.batches++
	return nil
}

// recorded returns the ids of the tasks with results, in task order.
func (f *fakeRecorder) recorded() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int64
	for _, t := range f.tasks {
		if _, ok := f.results[t.ID]; ok {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// demoTasks returns n tasks with ids from 101, cycling through the demo's
// categories and counties as the service would fill them.
func demoTasks(n int) []sampling.Task {
	type cat struct{ id, tier string }
	var cats []cat
	for _, ind := range Config().Industries {
		for _, c := range ind.Categories {
			cats = append(cats, cat{c.ID, c.Tier})
		}
	}
	tasks := make([]sampling.Task, n)
	for i := range tasks {
		c := cats[i%len(cats)]
		tasks[i] = sampling.Task{
			ID:       int64(101 + i),
			County:   counties[i%len(counties)].name,
			Category: c.id,
			Tier:     c.tier,
			Status:   sampling.TaskAssigned,
		}
	}
	return tasks
}

// taskIDs returns the ids of tasks.
func taskIDs(tasks []sampling.Task) []int64 {
	ids := make([]int64, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	return ids
}

func TestStep(t *testing.T) {
	// 00:30 on 2 March in Shanghai, still 1 March in UTC.
	now := func() time.Time { return time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC) }
	reportNo := regexp.MustCompile(`^SC2026-\d{6,}$`)
	tests := []struct {
		name        string
		pending     int
		failPending int
		recordErr   error
		want        int // results recorded, for the oldest tasks
		wantErr     bool
	}{
		{name: "fewer than the limit", pending: 7, want: 7},
		{name: "more than the limit", pending: 75, want: stepLimit},
		{name: "nothing pending", pending: 0, want: 0},
		{name: "listing fails", pending: 5, failPending: 1, wantErr: true},
		{name: "recording fails", pending: 5, recordErr: errors.New("disk full"), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tasks := demoTasks(tc.pending)
			rec := newFakeRecorder(tasks)
			rec.failPending, rec.recordErr = tc.failPending, tc.recordErr
			s := NewSimulator(rec, nil, 1, now)

			n, err := s.Step(t.Context())
			if (err != nil) != tc.wantErr {
				t.Fatalf("Step() error = %v, want error %t", err, tc.wantErr)
			}
			if n != tc.want {
				t.Errorf("Step() = %d, want %d", n, tc.want)
			}
			if got, want := rec.recorded(), taskIDs(tasks[:tc.want]); !slices.Equal(got, want) {
				t.Errorf("Step() recorded tasks %v, want %v", got, want)
			}
			byID := map[int64]sampling.Task{}
			for _, task := range tasks {
				byID[task.ID] = task
			}
			for id, r := range rec.results {
				task := byID[id]
				if r.Outcome != sampling.OutcomePass && r.Outcome != sampling.OutcomeFail {
					t.Errorf("task %d: Outcome = %q, want pass or fail", id, r.Outcome)
				}
				if r.TestedOn != "2026-03-02" {
					t.Errorf("task %d: TestedOn = %q, want 2026-03-02 (the date in Shanghai)", id, r.TestedOn)
				}
				if !reportNo.MatchString(r.ReportNo) {
					t.Errorf("task %d: ReportNo = %q, want SC2026-NNNNNN", id, r.ReportNo)
				}
				if failing := r.Outcome == sampling.OutcomeFail; failing != (r.FailedItems != "") {
					t.Errorf("task %d: Outcome = %q with FailedItems = %q, want items exactly when failing", id, r.Outcome, r.FailedItems)
				}
				checkFailedItems(t, task, r)
			}
		})
	}
}

// checkFailedItems reports failed items that are not the category's.
func checkFailedItems(t *testing.T, task sampling.Task, r sampling.Result) {
	t.Helper()
	if r.FailedItems == "" {
		return
	}
	for item := range strings.SplitSeq(r.FailedItems, ";") {
		if !slices.Contains(failedItems[task.Category], item) {
			t.Errorf("task %d (%s): failed item %q is not one of %v", task.ID, task.Category, item, failedItems[task.Category])
		}
	}
}

func TestStepDrainsPendingTasks(t *testing.T) {
	rec := newFakeRecorder(demoTasks(75))
	s := NewSimulator(rec, nil, 1, time.Now)
	for i, want := range []int{30, 30, 15, 0} {
		n, err := s.Step(t.Context())
		if err != nil || n != want {
			t.Fatalf("Step() #%d = %d, %v; want %d, nil", i+1, n, err, want)
		}
	}
	if got := len(rec.recorded()); got != 75 {
		t.Errorf("recorded %d results, want 75", got)
	}
}

// TestOutcomes checks that outcomes follow the tier's pass rate, that some
// counties look worse than others, and that a task's outcome depends on the
// seed and the task alone.
func TestOutcomes(t *testing.T) {
	today := sampling.Day("2026-03-02")
	tasks := demoTasks(60_000)
	s := NewSimulator(nil, nil, 7, time.Now)

	type counts struct{ tested, passed int }
	byTier := map[string]*counts{}
	byCounty := map[string]*counts{}
	for _, task := range tasks {
		r := s.result(task, today)
		if byTier[task.Tier] == nil {
			byTier[task.Tier] = &counts{}
		}
		if byCounty[task.County] == nil {
			byCounty[task.County] = &counts{}
		}
		for _, c := range []*counts{byTier[task.Tier], byCounty[task.County]} {
			c.tested++
			if r.Outcome == sampling.OutcomePass {
				c.passed++
			}
		}
	}
	for tier, want := range passRates {
		c := byTier[tier]
		if got := float64(c.passed) / float64(c.tested); got < want-0.01 || got > want+0.01 {
			t.Errorf("tier %s pass rate = %.4f over %d tasks, want %.3f ± 0.01", tier, got, c.tested, want)
		}
	}
	var rates []float64
	for _, c := range byCounty {
		rates = append(rates, float64(c.passed)/float64(c.tested))
	}
	slices.Sort(rates)
	if spread := rates[len(rates)-1] - rates[0]; spread < 0.03 {
		t.Errorf("county pass rates %v spread %.3f, want the worst county clearly below the best", rates, spread)
	}

	// Another simulator with the same seed gives the same outcomes, in any order.
	again := NewSimulator(nil, nil, 7, time.Now)
	for i := len(tasks) - 1; i >= len(tasks)-1000; i-- {
		if got, want := again.result(tasks[i], today), s.result(tasks[i], today); got != want {
			t.Fatalf("result(task %d) = %+v, then %+v; want the same", tasks[i].ID, got, want)
		}
	}
}

func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newFakeRecorder(demoTasks(45))
		s := NewSimulator(rec, nil, 1, time.Now)
		if err := s.Start(t.Context(), 2*time.Second); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			after time.Duration
			want  int
		}{
			{time.Second, 0},       // before the first tick
			{2 * time.Second, 30},  // first tick: the limit
			{2 * time.Second, 45},  // second tick: the rest
			{10 * time.Second, 45}, // nothing more to do
		} {
			time.Sleep(tc.after)
			synctest.Wait()
			if got := len(rec.recorded()); got != tc.want {
				t.Errorf("after %v more: %d results recorded, want %d", tc.after, got, tc.want)
			}
		}

		s.Stop()
		s.Stop()
	})
}

func TestRunRetriesAfterRecorderError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newFakeRecorder(demoTasks(10))
		rec.failPending = 2
		var logs storagetest.LogBuffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		s := NewSimulator(rec, logger, 1, time.Now)
		if err := s.Start(t.Context(), time.Second); err != nil {
			t.Fatal(err)
		}

		time.Sleep(2500 * time.Millisecond) // two ticks, both failing
		synctest.Wait()
		if got := len(rec.recorded()); got != 0 {
			t.Errorf("after failing ticks: %d results recorded, want 0", got)
		}
		if got := strings.Count(logs.String(), "level=WARN"); got != 2 {
			t.Errorf("logged %d warnings, want 2; log:\n%s", got, logs.String())
		}
		if !strings.Contains(logs.String(), "database is locked") {
			t.Errorf("log does not name the recorder's error; log:\n%s", logs.String())
		}

		time.Sleep(time.Second) // the third tick succeeds
		synctest.Wait()
		if got := len(rec.recorded()); got != 10 {
			t.Errorf("after recovery: %d results recorded, want 10", got)
		}

		s.Stop()
		s.Stop()
	})
}

func TestStartRejectsBadInterval(t *testing.T) {
	s := NewSimulator(newFakeRecorder(nil), nil, 1, time.Now)
	for _, interval := range []time.Duration{0, -time.Second} {
		if err := s.Start(t.Context(), interval); err == nil {
			t.Errorf("Start(ctx, %v) = nil, want an error", interval)
		}
	}
	s.Stop()
}
