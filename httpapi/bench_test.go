package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/bulletin"
	"spotcheck/chores"
	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// BenchmarkWriteLatency measures POST /api/v1/tasks/{id}/result at volume,
// served as `spotcheck serve` serves it (the store's changes applied to the
// snapshot): each operation stores a new result on a task of the open plan,
// then retries a stored result, which is the baseline (a retry stores
// nothing). It reports the median of each and their ratio. The volume is
// small unless SPOTCHECK_BENCH_STORED and SPOTCHECK_BENCH_OPEN say
// otherwise (see storagetest.Volumes and docs/benchmarks.md):
//
//	SPOTCHECK_BENCH_STORED=10000000 SPOTCHECK_BENCH_OPEN=100000 \
//	go test ./httpapi -run '^$' -bench WriteLatency -benchtime 200x -timeout 120m
func BenchmarkWriteLatency(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		for _, v := range storagetest.Volumes(b) {
			b.Run(backend+"/"+v.Name(), func(b *testing.B) {
				benchWriteLatency(b, backend, v)
			})
		}
	}
}

func benchWriteLatency(b *testing.B, backend string, v storagetest.Volume) {
	s, open := storagetest.SeedStore(b, backend, v)
	cfg := config.Default()
	now := open.Day.Add(30 * time.Hour) // VolumeToday, 06:00 UTC
	clk := func() time.Time { return now }
	mon := monitor.New(cfg, s, clk, storagetest.Logger(b))
	if err := mon.Refresh(b.Context()); err != nil {
		b.Fatal(err)
	}
	var applies []time.Duration // what a write waits for beyond its transaction
	b.Cleanup(s.Watch(func(ch storage.Change) {
		start := time.Now()
		mon.Apply(ch)
		applies = append(applies, time.Since(start))
	}))
	secret, _, err := s.CreateToken(b.Context(), storage.NewToken{Role: sampling.RoleAdmin}, now)
	if err != nil {
		b.Fatal(err)
	}
	bulletins, err := bulletin.NewRenderer(bulletin.CJKFonts())
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(Deps{Config: cfg, Store: s, Monitor: mon,
		Chores: chores.New(cfg, s, mon, storagetest.Logger(b), chores.Options{Now: clk}), Bulletins: bulletins,
		Gatherer: prometheus.NewRegistry(), Logger: storagetest.Logger(b), Now: clk}))
	b.Cleanup(srv.Close)
	body := `{"outcome": "pass", "tested_on": "` + sampling.Today(now, cfg.Location).String() + `"}`
	post := func(id int64, want int) time.Duration {
		req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, fmt.Sprintf("%s/api/v1/tasks/%d/result", srv.URL, id), strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		took := time.Since(start)
		if resp.StatusCode != want {
			b.Fatalf("POST result of task %d = %d, want %d", id, resp.StatusCode, want)
		}
		return took
	}
	post(open.First, http.StatusCreated) // the stored result that is retried
	next := open.First + 1
	applies = nil
	var fresh, retry []time.Duration
	for b.Loop() {
		if next > open.Last {
			b.Fatalf("the open plan has %d tasks: too few for %d operations (set SPOTCHECK_BENCH_OPEN)", v.Open, b.N)
		}
		fresh = append(fresh, post(next, http.StatusCreated))
		next++
		retry = append(retry, post(open.First, http.StatusOK))
	}
	tested := 0
	for _, c := range mon.Snapshot().Tasks {
		if c.State == sampling.TaskTested {
			tested += c.N
		}
	}
	if want := int(next - open.First - 1); tested < want {
		b.Fatalf("the snapshot counts %d tested tasks, fewer than the %d results just stored", tested, want)
	}
	newMedian, retryMedian := median(fresh), median(retry)
	b.ReportMetric(ms(newMedian), "new-median-ms")
	b.ReportMetric(ms(retryMedian), "retry-median-ms")
	b.ReportMetric(float64(newMedian)/float64(retryMedian), "new/retry")
	b.ReportMetric(ms(median(applies)), "apply-median-ms")
	b.ReportMetric(0, "ns/op")
}

// median returns the median of ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
