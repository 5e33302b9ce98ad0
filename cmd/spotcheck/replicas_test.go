package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// everyTwoSeconds is the end-to-end tests' configuration: one schedule that
// fires every 2 seconds, three tasks per plan.
const everyTwoSeconds = `
timezone: UTC
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
      - {id: childrens-garments, name: 童装, tier: key}
schedules:
  - name: textiles-2s
    industry: textiles
    cron: "*/2 * * * * *"
    batches: 3
    catch_up: latest
    no_repeat: 1s    # fires 2s apart may draw the same units again
`

// setUpService writes the configuration and imports the registry into db,
// migrating it; it returns the configuration's path.
func setUpService(t *testing.T, db string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "spotcheck.yaml")
	if err := os.WriteFile(cfg, []byte(everyTwoSeconds), 0o644); err != nil {
		t.Fatal(err)
	}
	te := &testEnv{t: t, db: db, now: time.Now}
	for _, kind := range []string{"enterprises", "inspectors"} {
		if out, stderr, code := te.run(t.Context(), "", "import", kind, filepath.Join("testdata", kind+".csv"), "--config", cfg); code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", kind, code, out, stderr)
		}
	}
	return cfg
}

// openStore opens db for the test's own reads.
func openStore(t *testing.T, db string) *storage.Store {
	t.Helper()
	s, err := storage.Open(t.Context(), db, storagetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitMade waits until the ledger holds a made fire at or after at.
func waitMade(t *testing.T, store *storage.Store, at time.Time) {
	t.Helper()
	waitFor(t, 60*time.Second, "a plan of a fire at or after "+at.Format(time.TimeOnly), func() bool {
		fires, err := storagetest.Fires(t.Context(), store, "textiles-2s", at)
		if err != nil {
			return false
		}
		for _, f := range fires {
			if f.Status == sampling.FireMade {
				return true
			}
		}
		return false
	})
}

// checkLedger asserts the guarantees over the whole run: the fire ledger
// has a row for every 2-second fire from the first to the last, a made fire
// has exactly one plan and it is whole (three tasks, two inspectors each),
// every other fire says why it made none, and no plan lacks its fire. It
// returns the ledger by nominal time.
func checkLedger(t *testing.T, store *storage.Store) map[time.Time]storage.Fire {
	t.Helper()
	fires, err := storagetest.Fires(t.Context(), store, "textiles-2s", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	plans, err := store.Plans(t.Context(), storage.PlanFilter{Schedule: "textiles-2s", Limit: 100000, WithTasks: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(fires) < 5 {
		t.Fatalf("the ledger has %d fires, want a run of at least 5", len(fires))
	}
	plansAt := map[time.Time]int{}
	for _, p := range plans {
		plansAt[p.NominalTime.UTC()]++
		whole := len(p.Tasks) == 3
		for _, task := range p.Tasks {
			whole = whole && len(task.Inspectors) == 2
		}
		if !whole {
			t.Errorf("plan %d of %v is not whole: %+v", p.ID, p.NominalTime, p.Tasks)
		}
	}
	byTime := map[time.Time]storage.Fire{}
	made, counts := 0, map[sampling.FireStatus]int{}
	for i, f := range fires {
		at := f.NominalTime.UTC()
		byTime[at] = f
		counts[f.Status]++
		if i > 0 {
			if gap := at.Sub(fires[i-1].NominalTime); gap != 2*time.Second {
				t.Errorf("the ledger jumps %v from %v to %v: fires in between are unaccounted for", gap, fires[i-1].NominalTime.UTC(), at)
			}
		}
		switch f.Status {
		case sampling.FireMade:
			made++
			if plansAt[at] != 1 {
				t.Errorf("fire %v is made with %d plans, want exactly 1", at, plansAt[at])
			}
		case sampling.FireMissed, sampling.FireSkipped, sampling.FireFailed:
			if plansAt[at] != 0 || f.Message == "" || !slices.Contains(sampling.FireReasons(), f.Reason) {
				t.Errorf("fire %v is %s with %d plans, reason %q and message %q, want no plan and a reason", at, f.Status, plansAt[at], f.Reason, f.Message)
			}
		default:
			t.Errorf("fire %v has status %q", at, f.Status)
		}
	}
	if len(plans) != made {
		t.Errorf("%d plans for %d made fires: a plan lacks its fire", len(plans), made)
	}
	t.Logf("ledger: %d fires from %v to %v: %v", len(fires), fires[0].NominalTime.UTC(), fires[len(fires)-1].NominalTime.UTC(), counts)
	return byTime
}

// TestReplicasOnePlanPerFire runs three replicas of serve, as processes of
// their own, on one PostgreSQL with a schedule firing every 2 seconds. One
// is killed with SIGKILL while it holds a plan's transaction open, another
// is killed mid-run; both are restarted. Every fire of the run has exactly
// one ledger row, with one whole plan or the reason there is none.
func TestReplicasOnePlanPerFire(t *testing.T) {
	t.Parallel() // a process of its own on a database of its own
	db := storagetest.URL(t, storage.Postgres)
	bin := buildBinary(t)
	cfg := setUpService(t, db)
	store := openStore(t, db)

	// a holds every plan it gets to make open for 20s: kill it then.
	a := startServe(t, "replica a", bin, db, cfg, envHoldPlan+"=20s")
	b := startServe(t, "replica b", bin, db, cfg)
	c := startServe(t, "replica c", bin, db, cfg)
	line, _ := a.waitLog(t, 0, 60*time.Second, "test hook: holding plan transaction open")
	held := heldFire(t, line)
	a.kill(t)
	t.Logf("killed replica a while it held the plan of %v open", held)
	waitMade(t, store, held.Add(2*time.Second))
	a = startServe(t, "replica a, restarted", bin, db, cfg)

	b.kill(t)
	waitMade(t, store, time.Now().Add(2*time.Second))
	b = startServe(t, "replica b, restarted", bin, db, cfg)
	waitMade(t, store, time.Now().Add(2*time.Second))

	for _, p := range []*process{a, b, c} {
		if code := p.term(t, 30*time.Second); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", p.name, code)
		}
	}
	ledger := checkLedger(t, store)
	if f, ok := ledger[held]; !ok {
		t.Errorf("the fire replica a held open (%v) is not in the ledger", held)
	} else {
		t.Logf("the fire replica a held open: %s %s %q", f.Kind, f.Status, f.Message)
	}
}

// TestDatabaseOutage runs serve on PostgreSQL through a TCP proxy. Its
// backends are terminated with pg_terminate_backend: it carries on. Then the
// proxy cuts the database off while a plan's transaction is open: the
// service stays up, /readyz reports not ready, and once the database is
// back the fires it missed are settled by the catch-up policy (latest: the
// newest made, the rest recorded as missed). Nothing is half-written.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel() // a process of its own on a database of its own
	db := storagetest.URL(t, storage.Postgres)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newProxy(t, u.Host)
	proxied := *u
	proxied.Host = proxy.addr()
	bin := buildBinary(t)
	cfg := setUpService(t, db)
	store := openStore(t, db)

	r := startServe(t, "serve", bin, proxied.String(), cfg, envHoldPlan+"=500ms")
	waitMade(t, store, time.Now().Add(2*time.Second))

	admin, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var terminated int
	if err := admin.QueryRowContext(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&terminated); err != nil {
		t.Fatal(err)
	}
	t.Logf("terminated %d backends of the service", terminated)
	waitMade(t, store, time.Now().Add(2*time.Second))
	if r.done() || status(r.base+"/healthz") != http.StatusOK {
		t.Fatal("serve did not survive the termination of its backends")
	}

	// Cut the database off while a plan is being made.
	line, _ := r.waitLog(t, len(r.log.String()), 30*time.Second, "test hook: holding plan transaction open")
	inFlight := heldFire(t, line)
	proxy.setCut(true)
	cutAt := time.Now()
	waitFor(t, 10*time.Second, "/readyz to report not ready", func() bool { return status(r.base+"/readyz") == http.StatusServiceUnavailable })
	// The outage lasts long enough for a few fires to come due.
	time.Sleep(time.Until(cutAt.Add(5 * time.Second)))
	if r.done() || status(r.base+"/healthz") != http.StatusOK {
		t.Fatal("serve went down with its database")
	}
	proxy.setCut(false)
	backAt := time.Now()
	waitFor(t, 30*time.Second, "/readyz to report ready", func() bool { return ready(r.base) })
	waitMade(t, store, time.Now().Add(2*time.Second))
	if code := r.term(t, 30*time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}

	ledger := checkLedger(t, store)
	f, ok := ledger[inFlight.UTC()]
	if !ok {
		t.Fatalf("the fire in flight at the cut (%v) is not in the ledger", inFlight)
	}
	t.Logf("the fire in flight at the cut: %s %s %q", f.Kind, f.Status, f.Message)
	var outage []string
	made := 0
	for at := inFlight.UTC(); at.Before(backAt); at = at.Add(2 * time.Second) {
		f := ledger[at]
		outage = append(outage, fmt.Sprintf("%s %s", at.Format("15:04:05"), f.Status))
		switch {
		case f.Status == sampling.FireMade:
			made++
		case f.Status != sampling.FireMissed || !strings.Contains(f.Message, "catch_up policy latest"):
			t.Errorf("fire %v during the outage is %s (%q), want missed under catch_up latest", at, f.Status, f.Message)
		}
	}
	if made > 1 {
		t.Errorf("fires during the outage: %s; want at most the newest made", strings.Join(outage, ", "))
	}
}

// TestGracefulShutdown sends SIGTERM while a plan's transaction is open: a
// plan that commits within the stop timeout is kept whole, one that does not
// is rolled back; either way serve exits 0 and no plan is half-written.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel() // a process of its own on a database of its own
	bin := buildBinary(t)
	for _, tt := range []struct {
		name string
		hold string
		kept bool
	}{
		{"plan commits", "2s", true},
		{"plan rolls back", "60s", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.URL(t, storage.SQLite)
			cfg := setUpService(t, db)
			r := startServe(t, "serve", bin, db, cfg, envHoldPlan+"="+tt.hold)
			line, _ := r.waitLog(t, 0, 30*time.Second, "test hook: holding plan transaction open")
			held := heldFire(t, line)
			if code := r.term(t, 30*time.Second); code != 0 {
				t.Errorf("serve exited %d after SIGTERM, want 0", code)
			}
			store := openStore(t, db)
			fires, err := storagetest.Fires(t.Context(), store, "textiles-2s", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			plans, err := store.Plans(t.Context(), storage.PlanFilter{WithTasks: true})
			if err != nil {
				t.Fatal(err)
			}
			kept := false
			for _, f := range fires {
				kept = kept || f.NominalTime.Equal(held) && f.Status == sampling.FireMade
			}
			if kept != tt.kept {
				t.Errorf("after SIGTERM the held plan of %v is kept: %v, want %v\nledger: %+v", held, kept, tt.kept, fires)
			}
			if len(plans) != len(fires) {
				t.Errorf("%d plans for %d fires, want one each", len(plans), len(fires))
			}
			for _, p := range plans {
				if len(p.Tasks) != 3 {
					t.Errorf("plan %d of %v has %d tasks, want 3", p.ID, p.NominalTime, len(p.Tasks))
				}
			}
		})
	}
}
