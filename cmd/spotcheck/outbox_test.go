package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcheck/storage"
	"spotcheck/storagetest"
)

// outboxConfig is the outbox tests' configuration: a schedule that fires
// once a year (plans are made with `plan run`), webhooks to RECEIVER, and
// quick retries.
const outboxConfig = `
timezone: UTC
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
      - {id: childrens-garments, name: 童装, tier: key}
schedules:
  - name: textiles-yearly
    industry: textiles
    cron: "0 0 1 1 *"
    batches: 3
    catch_up: none
    no_repeat: 1s
notifications:
  default: {url: "%s/hook"}
  attempts: 20
  backoff: 1s
  timeout: 3s
  poll: 1s
`

// hookReceiver is a webhook receiver that records, per message id, how
// many requests it got, how many it took (answered 200) and the most it
// saw at once.
type hookReceiver struct {
	mu        sync.Mutex
	fail      func(id string, n int) bool // answer 503 to the n-th request of id
	hold      time.Duration               // how long each request takes
	requests  map[string]int
	taken     map[string]int
	inFlight  map[string]int
	maxAtOnce map[string]int
}

func newHookReceiver(t *testing.T) (*hookReceiver, string) {
	rc := &hookReceiver{requests: map[string]int{}, taken: map[string]int{}, inFlight: map[string]int{}, maxAtOnce: map[string]int{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Spotcheck-Message-Id")
	rc.mu.Lock()
	rc.requests[id]++
	n := rc.requests[id]
	rc.inFlight[id]++
	rc.maxAtOnce[id] = max(rc.maxAtOnce[id], rc.inFlight[id])
	fail, hold := rc.fail != nil && rc.fail(id, n), rc.hold
	rc.mu.Unlock()
	if hold > 0 {
		// The request is under way for a while, as a slow receiver's.
		t := time.NewTimer(hold)
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.inFlight[id]--
	if fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	rc.taken[id]++
}

func (rc *hookReceiver) setFail(fail func(id string, n int) bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.fail = fail
}

// counts returns copies of what the receiver counted.
func (rc *hookReceiver) counts() (requests, taken, maxAtOnce map[string]int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	clone := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return clone(rc.requests), clone(rc.taken), clone(rc.maxAtOnce)
}

// setUpOutbox writes the configuration with the receiver's address,
// imports the registry into db and makes plans with `plan run`; it returns
// the configuration's path and the message ids the plans' inspectors are
// owed, from the plans' tasks.
func setUpOutbox(t *testing.T, db, receiver string, plans int) (string, []string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "spotcheck.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, outboxConfig, receiver), 0o644); err != nil {
		t.Fatal(err)
	}
	te := &testEnv{t: t, db: db, now: time.Now}
	for _, kind := range []string{"enterprises", "inspectors"} {
		if out, stderr, code := te.run(t.Context(), "", "import", kind, filepath.Join("testdata", kind+".csv"), "--config", cfg); code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", kind, code, out, stderr)
		}
	}
	// Manual fires 2s apart in the past, so that no_repeat (1s) leaves
	// every unit eligible for each.
	start := time.Now().Add(-time.Duration(2*plans) * time.Second)
	for i := range plans {
		te.now = func() time.Time { return start.Add(time.Duration(2*i) * time.Second) }
		if out, stderr, code := te.run(t.Context(), "", "plan", "run", "textiles-yearly", "--config", cfg); code != 0 {
			t.Fatalf("plan run: exit %d\n%s%s", code, out, stderr)
		}
	}
	store := openStore(t, db)
	made, err := store.Plans(t.Context(), storage.PlanFilter{Limit: 1000, WithTasks: true})
	if err != nil || len(made) != plans {
		t.Fatalf("Plans = %d, %v; want %d", len(made), err, plans)
	}
	var want []string
	for _, p := range made {
		seen := map[string]bool{}
		for _, task := range p.Tasks {
			for _, id := range task.Inspectors {
				if !seen[id] {
					seen[id] = true
					want = append(want, fmt.Sprintf("spotcheck/plan/%d/%s", p.ID, id))
				}
			}
		}
	}
	slices.Sort(want)
	return cfg, want
}

// waitAllSent waits until every message of the outbox is sent.
func waitAllSent(t *testing.T, store *storage.Store, want int) {
	t.Helper()
	waitFor(t, 90*time.Second, fmt.Sprintf("all %d messages sent", want), func() bool {
		sent, err := store.Notices(context.WithoutCancel(t.Context()), storage.NoticeFilter{Status: storage.NoticeSent})
		return err == nil && len(sent) == want
	})
}

// TestOutboxSurvivesKill: serve is killed with SIGKILL while deliveries to
// a receiver that is down are failing and being retried; restarted, it
// goes on retrying from where the outbox says, and once the receiver is up
// every inspector of the plans has been told exactly once per message id.
func TestOutboxSurvivesKill(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := storagetest.URL(t, backend)
			rc, url := newHookReceiver(t)
			rc.setFail(func(string, int) bool { return true })
			bin := buildBinary(t)
			cfg, want := setUpOutbox(t, db, url, 2)
			store := openStore(t, db)

			p := startServe(t, "serve", bin, db, cfg)
			// Each message has failed at least twice: it is being retried.
			waitFor(t, 60*time.Second, "every message to fail twice", func() bool {
				requests, _, _ := rc.counts()
				for _, id := range want {
					if requests[id] < 2 {
						return false
					}
				}
				return true
			})
			p.kill(t)
			before, _, _ := rc.counts()
			pending, err := store.Notices(t.Context(), storage.NoticeFilter{Status: storage.NoticePending})
			if err != nil || len(pending) != len(want) {
				t.Fatalf("after the kill: %d pending messages (%v), want all %d", len(pending), err, len(want))
			}
			for _, n := range pending {
				if n.Attempts < 2 || n.LastError == "" {
					t.Errorf("after the kill, %s: %d attempts, last error %q; want at least 2 and the error", n.MessageID, n.Attempts, n.LastError)
				}
			}

			// Restarted, it retries the messages that are due; one more
			// failure each, then the receiver is back.
			rc.setFail(func(id string, n int) bool { return n <= before[id]+1 })
			startServe(t, "serve, restarted", bin, db, cfg)
			waitAllSent(t, store, len(want))
			requests, taken, _ := rc.counts()
			var told []string
			for id, k := range taken {
				told = append(told, id)
				if k != 1 {
					t.Errorf("%s taken %d times, want once", id, k)
				}
				if requests[id] <= before[id]+1 {
					t.Errorf("%s: %d requests, want a failed one after the restart (%d before it)", id, requests[id], before[id])
				}
			}
			slices.Sort(told)
			if !slices.Equal(told, want) {
				t.Errorf("told %v, want every inspector of the plans once: %v", told, want)
			}
			sent, err := store.Notices(t.Context(), storage.NoticeFilter{Status: storage.NoticeSent})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range sent {
				if n.Attempts != requests[n.MessageID] && n.Attempts != requests[n.MessageID]+1 {
					t.Errorf("%s: %d attempts recorded for %d requests", n.MessageID, n.Attempts, requests[n.MessageID])
				}
			}
			t.Logf("%d messages: requests %v", len(want), requests)
		})
	}
}

// TestOutboxReplicas runs three replicas of serve on one PostgreSQL with a
// backlog of plans whose messages go to a slow receiver that fails the
// first attempt of every third message: no message is ever sent by two
// replicas at once, and each is taken exactly once.
func TestOutboxReplicas(t *testing.T) {
	t.Parallel() // processes of their own on a database of their own
	db := storagetest.URL(t, storage.Postgres)
	rc, url := newHookReceiver(t)
	rc.hold = 300 * time.Millisecond
	bin := buildBinary(t)
	cfg, want := setUpOutbox(t, db, url, 10)
	third := map[string]bool{}
	for i, id := range want {
		third[id] = i%3 == 0
	}
	rc.setFail(func(id string, n int) bool { return third[id] && n == 1 })
	store := openStore(t, db)
	replicas := []*process{
		startServe(t, "replica a", bin, db, cfg),
		startServe(t, "replica b", bin, db, cfg),
		startServe(t, "replica c", bin, db, cfg),
	}
	waitAllSent(t, store, len(want))
	for _, p := range replicas {
		if code := p.term(t, 30*time.Second); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", p.name, code)
		}
	}
	requests, taken, atOnce := rc.counts()
	for _, id := range want {
		if atOnce[id] != 1 {
			t.Errorf("%s was sent %d times at once", id, atOnce[id])
		}
		if taken[id] != 1 {
			t.Errorf("%s taken %d times, want once", id, taken[id])
		}
		if w := map[bool]int{true: 2, false: 1}[third[id]]; requests[id] != w {
			t.Errorf("%s: %d requests, want %d", id, requests[id], w)
		}
	}
}

// TestNotificationsCommand: `notifications` lists the outbox with attempts
// and last errors, filters by status and plan, and `notifications retry`
// queues failed messages again; bad flags and unknown ids are refused
// with exit 2 and change nothing.
func TestNotificationsCommand(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	cfg, want := setUpOutbox(t, te.db, "https://hooks.example.gov", 1)
	store := openStore(t, te.db)
	ctx := t.Context()
	taken, err := store.TakeNotices(ctx, storage.Take{Now: time.Now(), Lease: time.Minute, Limit: 1})
	if err != nil || len(taken) != 1 {
		t.Fatalf("TakeNotices = %v, %v", taken, err)
	}
	if ok, err := store.FinishNotice(ctx, taken[0], storage.Outcome{Status: storage.NoticeFailed, Error: "hooks.example.gov answered 404 Not Found", At: time.Now()}); !ok || err != nil {
		t.Fatalf("FinishNotice = %v, %v", ok, err)
	}

	out, stderr, code := te.run(ctx, "", "notifications", "--format", "json", "--config", cfg)
	var listed []storage.Notice
	if code != 0 || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != len(want) {
		t.Fatalf("notifications --format json = exit %d, %d messages (%s%s); want %d", code, len(listed), out, stderr, len(want))
	}
	out, _, code = te.run(ctx, "", "notifications", "--status", "failed")
	if code != 0 || !strings.Contains(out, "LAST ERROR") || !strings.Contains(out, "hooks.example.gov answered 404 Not Found") ||
		strings.Count(out, "\n") != 2 || !strings.Contains(out, taken[0].Inspector) {
		t.Errorf("notifications --status failed =\n%s\nwant a header and the failed message with its error", out)
	}
	out, _, code = te.run(ctx, "", "notifications", "--status", "pending", "--plan", strconv.FormatInt(taken[0].PlanID, 10), "--format", "json")
	if json.Unmarshal([]byte(out), &listed); code != 0 || len(listed) != len(want)-1 {
		t.Errorf("notifications --status pending --plan = exit %d, %d messages; want %d", code, len(listed), len(want)-1)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"notifications", "--status", "lost"}, `--status "lost": want pending, failed, sent or cancelled`},
		{[]string{"notifications", "--format", "xml"}, `--format "xml": want table or json`},
		{[]string{"notifications", "retry"}, "give message ids or --all-failed"},
		{[]string{"notifications", "retry", "x1"}, `"x1" is not a message id`},
		{[]string{"notifications", "retry", "999"}, "no failed notification with id 999"},
		{[]string{"notifications", "retry", strconv.FormatInt(taken[0].ID, 10), "999"}, "no failed notification with id 999"},
	} {
		if _, stderr, code := te.run(ctx, "", c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v = exit %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if failed, err := store.Notices(ctx, storage.NoticeFilter{Status: storage.NoticeFailed}); err != nil || len(failed) != 1 {
		t.Fatalf("after refused retries: %d failed (%v), want the 1 unchanged", len(failed), err)
	}
	out, _, code = te.run(ctx, "", "notifications", "retry", "--all-failed")
	if code != 0 || !strings.HasPrefix(out, "1 failed messages queued again") {
		t.Errorf("notifications retry --all-failed = exit %d, %q", code, out)
	}
	n, err := store.Notices(ctx, storage.NoticeFilter{Status: storage.NoticePending})
	if err != nil || len(n) != len(want) {
		t.Errorf("pending after retry = %d, %v; want all %d", len(n), err, len(want))
	}
}
