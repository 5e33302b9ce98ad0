package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestTimesInConfiguredZone: task JSON, the phone page's history and the
// public plan list show times in the configuration's zone (Asia/Shanghai)
// with its offset, whatever the host's zone.
func TestTimesInConfiguredZone(t *testing.T) {
	storagetest.HostZones(t, func(t *testing.T) {
		f := newFixture(t, storage.SQLite)
		ctx := storage.WithActor(t.Context(), "test:zhang")
		sampledAt := time.Date(2026, 11, 20, 2, 30, 0, 0, time.UTC) // 10:30 in Shanghai
		if err := f.store.RecordSampling(ctx, f.taskA, sampling.Sampling{SampledOn: "2026-11-20", BatchNo: "B1", Quantity: 4, Seals: []string{"S1"}}, sampledAt, f.cfg.Location); err != nil {
			t.Fatal(err)
		}
		status, body := f.do("admin", http.MethodGet, fmt.Sprintf("/api/v1/tasks/%d", f.taskA), "")
		var task struct {
			NominalTime string `json:"nominal_time"`
			Events      []struct {
				At string `json:"at"`
			} `json:"events"`
		}
		if err := json.Unmarshal(body, &task); err != nil || status != http.StatusOK {
			t.Fatalf("GET task = %d %s (%v)", status, body, err)
		}
		if task.NominalTime != "2026-11-01T09:00:00+08:00" || len(task.Events) != 1 || task.Events[0].At != "2026-11-20T10:30:00+08:00" {
			t.Errorf("task JSON = %s, want nominal_time 2026-11-01T09:00:00+08:00 and the event at 2026-11-20T10:30:00+08:00", body)
		}
		status, body = f.do("admin", http.MethodGet, "/api/v1/tasks", "")
		if want := `"nominal_time": "2026-11-01T09:00:00+08:00"`; status != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET /api/v1/tasks = %d, want %s\n%s", status, want, body)
		}

		// The inspector's page: the history in the configured zone.
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		if resp, err := client.PostForm(f.srv.URL+"/inspect/login", url.Values{"token": {f.tokens["A"]}}); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
		resp, err := client.Get(fmt.Sprintf("%s/inspect/tasks/%d", f.srv.URL, f.taskA))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "<li>2026-11-20 10:30 · "; !strings.Contains(string(page), want) {
			t.Errorf("task page = %d, want the history entry %q\n%s", resp.StatusCode, want, page)
		}

		// An open plan's commitment, the one thing public before it closes.
		status, body = f.do("", http.MethodGet, fmt.Sprintf("/api/v1/public/plans/%d", f.plan.ID), "")
		var commitment struct {
			Status      string `json:"status"`
			CommittedAt string `json:"committed_at"`
		}
		if err := json.Unmarshal(body, &commitment); err != nil || status != http.StatusOK || commitment.Status != sampling.PlanOpen || !strings.HasSuffix(commitment.CommittedAt, "+08:00") {
			t.Errorf("open plan's public record = %d %s, want its commitment with committed_at in +08:00", status, body)
		}

		closedAt := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
		if _, err := f.store.ClosePlans(ctx, sampling.Today(closedAt, f.cfg.Location), closedAt); err != nil {
			t.Fatal(err)
		}
		status, body = f.do("", http.MethodGet, "/api/v1/public/plans", "")
		var public struct {
			Plans []struct {
				CommittedAt string `json:"committed_at"`
				NominalTime string `json:"nominal_time"`
				ClosedAt    string `json:"closed_at"`
			} `json:"plans"`
		}
		if err := json.Unmarshal(body, &public); err != nil || len(public.Plans) != 1 {
			t.Fatalf("public plans = %d %s (%v)", status, body, err)
		}
		if p := public.Plans[0]; p.ClosedAt != "2026-12-05T10:00:00+08:00" || p.NominalTime != "2026-11-01T09:00:00+08:00" || !strings.HasSuffix(p.CommittedAt, "+08:00") {
			t.Errorf("public plan = %+v, want closed_at 2026-12-05T10:00:00+08:00, nominal_time 2026-11-01T09:00:00+08:00, committed_at in +08:00", p)
		}
	})
}
