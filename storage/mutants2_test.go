package storage_test

// Tests written for the storage mutants docs/testing.md listed as not
// killed after the first round (mutants_test.go): statements beyond one
// insert's bind variables, id lists beyond one IN list, result versions
// older than the audit log, and the order of a change's task tallies. Each
// names the boundary it pins and runs on both backends.

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestPlanOf2600TasksBeyondOneInsertsBindLimit: the tasks of a plan go in
// statements of 76 rows (13 columns each, under 1,000 bind variables); a
// plan of 2,600 tasks, more than one statement could hold on SQLite
// (32,766 variables: 2,520 rows), is stored whole and reads back task for
// task.
func TestPlanOf2600TasksBeyondOneInsertsBindLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		const n = 2600
		tasks := storagetest.Plan(t, s, n, nominal)
		if len(tasks) != n {
			t.Fatalf("plan of %d tasks, want %d", len(tasks), n)
		}
		first, err := s.TaskDetail(t.Context(), tasks[0].ID, dayOf(on("2026-11-02")))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.TaskDetails(t.Context(), storage.TaskFilter{PlanID: first.PlanID}, dayOf(on("2026-11-02")))
		if err != nil || len(got) != n {
			t.Fatalf("TaskDetails = %d tasks, %v; want %d", len(got), err, n)
		}
		byID := map[int64]sampling.Task{}
		for _, task := range tasks {
			byID[task.ID] = task
		}
		for _, d := range got {
			want, ok := byID[d.ID]
			if !ok || d.CreditCode != want.CreditCode || d.Enterprise != want.Enterprise || d.Due != want.Due ||
				!slices.Equal(d.Inspectors, []string{"I001"}) {
				t.Fatalf("stored task %d = %s %s due %s, inspectors %v; want %s %s due %s, inspectors [I001]",
					d.ID, d.CreditCode, d.Enterprise, d.Due, d.Inspectors, want.CreditCode, want.Enterprise, want.Due)
			}
			delete(byID, d.ID)
		}
		if len(byID) != 0 {
			t.Errorf("%d of the plan's tasks not stored", len(byID))
		}
	})
}

// TestHistoryOf5500RowsBeyondOneInsertsBindLimit: the history a plan was
// drawn from goes in statements of 166 rows (6 columns each); a history of
// 5,500 rows, more than one statement could hold on SQLite (5,461 rows),
// is stored whole and the plan's record reads every row back.
func TestHistoryOf5500RowsBeyondOneInsertsBindLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		rec, err := s.DrawRecord(ctx, testDesign(nominal, 4), nominal)
		if err != nil {
			t.Fatal(err)
		}
		rec.Schedule, rec.Kind, rec.Seed = "textiles-monthly", sampling.KindScheduled, sampling.SeedFromText("history")
		p, err := sampling.DrawPlan(rec)
		if err != nil {
			t.Fatal(err)
		}
		// The record the plan keeps, with the history of 5,500 units
		// inspected before: storage stores the record it is given.
		const n = 5500
		before := nominal.AddDate(0, -7, 0)
		p.Record.History = nil
		for i := range n {
			p.Record.History = append(p.Record.History, sampling.History{CreditCode: fmt.Sprintf("91320500MB%08d", i), Category: "garments",
				TaskID: int64(100000 + i), Time: before.Add(time.Duration(i) * time.Minute), Outcome: []string{sampling.OutcomePass, sampling.OutcomeFail, ""}[i%3]})
		}
		if ok, err := s.CommitPlan(ctx, &p, ""); !ok || err != nil {
			t.Fatalf("CommitPlan of a plan drawn with %d history rows = %v, %v", n, ok, err)
		}
		_, stored, err := s.PlanRecord(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		order := func(a, b sampling.History) int { return cmp.Compare(a.CreditCode, b.CreditCode) }
		want := slices.SortedFunc(slices.Values(p.Record.History), order)
		got := slices.SortedFunc(slices.Values(stored.History), order)
		if len(got) != len(want) {
			t.Fatalf("PlanRecord has %d history rows, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].CreditCode != want[i].CreditCode || got[i].TaskID != want[i].TaskID || !got[i].Time.Equal(want[i].Time) ||
				got[i].Outcome != want[i].Outcome || got[i].Category != want[i].Category {
				t.Fatalf("history row %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}

// TestInspectorTaskIDsAcross5000IDChunks: an id list goes in IN lists of
// 5,000; a list of exactly 5,000 makes one, a list of 5,001 two, and a
// list of none no query at all. The inspector's task is found last in
// each list.
func TestInspectorTaskIDsAcross5000IDChunks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		task := p.Tasks[0]
		got, err := s.InspectorTaskIDs(ctx, task.Inspectors[0], nil)
		if err != nil || len(got) != 0 {
			t.Errorf("InspectorTaskIDs(no ids) = %v, %v; want none", got, err)
		}
		for _, n := range []int{4999, 5000, 5001, 10000, 10001} {
			ids := make([]int64, 0, n)
			for i := range n - 1 {
				ids = append(ids, int64(1_000_000+i)) // no such task
			}
			ids = append(ids, task.ID)
			got, err := s.InspectorTaskIDs(ctx, task.Inspectors[0], ids)
			if want := map[int64]bool{task.ID: true}; err != nil || !maps.Equal(got, want) {
				t.Errorf("InspectorTaskIDs(%d ids, the task last) = %v, %v; want %v", n, got, err, want)
			}
		}
	})
}

// TestVerifyAuditCountsLegacyVersions: a result version stored before the
// audit log existed (audit_seq 0) counts as legacy, beside the audited
// ones, and is no problem; a store with only legacy versions verifies too.
func TestVerifyAuditCountsLegacyVersions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		legacy := func(id int64) {
			t.Helper()
			if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(`INSERT INTO results (task_id, outcome, tested_on) VALUES (%d, 'pass', '2026-11-02')`, id)); err != nil {
				t.Fatalf("insert a legacy result: %v", err)
			}
		}
		legacy(p.Tasks[0].ID)
		rep, err := s.VerifyAudit(ctx, "")
		if err != nil || rep.Entries != 0 || rep.Results != 1 || rep.Legacy != 1 || !rep.OK() {
			t.Fatalf("VerifyAudit(one legacy version) = %+v, %v; want 0 entries, 1 result, 1 legacy, no problem", rep, err)
		}
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(p.Tasks[1].ID, "2026-11-02"), pass(p.Tasks[2].ID, "2026-11-02")}, on("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		legacy(p.Tasks[3].ID)
		rep, err = s.VerifyAudit(ctx, "")
		if err != nil || rep.Entries != 1 || rep.Results != 4 || rep.Legacy != 2 || !rep.OK() {
			t.Fatalf("VerifyAudit(two legacy, two audited versions) = %+v, %v; want 1 entry, 4 results, 2 legacy, no problem", rep, err)
		}
	})
}

// TestChangeTalliesInKeyOrder: a batch of first results tells the watchers
// the task tallies it moved in key order (plan, due, tier, industry,
// county, status, then without a result before with one): the order in
// which concurrent writers lock the rows.
func TestChangeTalliesInKeyOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 60)
		var batch []sampling.Result
		for i := range 6 {
			p := drawPlan(t, s, sampling.KindScheduled, nominal.AddDate(0, i, 0), 4)
			if _, err := s.CommitPlan(ctx, &p, ""); err != nil {
				t.Fatal(err)
			}
			for _, task := range p.Tasks {
				batch = append(batch, pass(task.ID, "2027-05-02"))
			}
		}
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		if _, err := s.RecordResults(ctx, batch, on("2027-05-02")); err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 {
			t.Fatalf("%d changes, want 1", len(changes))
		}
		got := changes[0].Tallies
		key := func(a storage.TaskTally) string {
			return fmt.Sprintf("%d %s %s %s %s %s %v", a.PlanID, a.Due, a.Tier, a.Industry, a.County, a.Status, a.Result)
		}
		// Every cell moved to "with a result": a row without (now 0) and
		// one with (every task of the cell), in that order.
		pairs := 0
		for i := 0; i < len(got); i += 2 {
			if i+1 >= len(got) || got[i].Result || !got[i+1].Result || got[i].N != 0 || got[i+1].N == 0 {
				t.Fatalf("tallies %v: want pairs of a row without a result (0) and one with", got)
			}
			a, b := got[i], got[i+1]
			a.Result, b.Result = true, true
			if key(a) != key(b) {
				t.Fatalf("tallies %d and %d are of two cells: %v, %v", i, i+1, got[i], got[i+1])
			}
			pairs++
		}
		byKey := func(a, b storage.TaskTally) int {
			return cmp.Or(cmp.Compare(a.PlanID, b.PlanID), cmp.Compare(a.Due, b.Due), cmp.Compare(a.Tier, b.Tier),
				cmp.Compare(a.Industry, b.Industry), cmp.Compare(a.County, b.County), cmp.Compare(a.Status, b.Status),
				cmp.Compare(fmt.Sprint(a.Result), fmt.Sprint(b.Result))) // "false" < "true"
		}
		if !slices.IsSortedFunc(got, byKey) {
			t.Fatalf("tallies %v, want key order", got)
		}
		if pairs < 10 {
			t.Fatalf("%d cells moved, the test needs at least 10", pairs)
		}
		n := 0
		for _, tl := range got {
			n += tl.N
		}
		if n != len(batch) {
			t.Errorf("tallies count %d tasks with a result, want %d", n, len(batch))
		}
	})
}

// TestFireKeyOfAnEarlierReleaseFound: the ledger's key of a scheduled fire
// is its UTC instant, and a manual fire's the same prefixed "manual/", as
// every release wrote them (migration 1): a scheduled fire the ledger holds
// from before is found, not made again, while a manual fire at the same
// instant is a fire of its own.
func TestFireKeyOfAnEarlierReleaseFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(`INSERT INTO fires (schedule, fire_key, nominal_time, kind, status, message, requested_by, recorded_at)
			VALUES ('textiles-monthly', '2026-11-01T01:00:00Z', '%s', 'scheduled', 'missed', 'written before', 'scheduler', '%s')`,
			nominalSQL(s, nominal), nominalSQL(s, nominal))); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			kind string
			want bool
		}{{sampling.KindScheduled, false}, {sampling.KindCatchUp, false}, {sampling.KindManual, true}} {
			made, err := s.RecordFire(ctx, storage.Fire{Schedule: "textiles-monthly", NominalTime: nominal.In(shanghai), Kind: c.kind,
				Status: sampling.FireMissed, Message: "again", RequestedBy: "test"})
			if err != nil || made != c.want {
				t.Errorf("RecordFire(%s at the instant of a fire written before) = %v, %v; want %v", c.kind, made, err, c.want)
			}
		}
		var keys []string
		rows, err := s.DB().QueryContext(ctx, `SELECT fire_key FROM fires ORDER BY fire_key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		if want := []string{"2026-11-01T01:00:00Z", "manual/2026-11-01T01:00:00Z"}; !slices.Equal(keys, want) {
			t.Errorf("fire keys = %q, want %q", keys, want)
		}
	})
}

// nominalSQL is t as a timestamp literal of s's backend.
func nominalSQL(s *storage.Store, t time.Time) string {
	if s.Dialect() == storage.SQLite {
		return t.UTC().Format("2006-01-02 15:04:05.999999999-07:00")
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct{ storagetest.LogBuffer }

// warnings returns the logged warnings, one line each, and forgets them.
func (l *lockedBuffer) warnings() []string {
	var out []string
	for line := range strings.Lines(l.Take()) {
		if strings.Contains(line, "level=WARN") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// forEachBackendLogged is forEachBackend with the store's log kept.
func forEachBackendLogged(t *testing.T, test func(t *testing.T, s *storage.Store, log *lockedBuffer)) {
	for _, b := range storagetest.Backends() {
		t.Run(b, func(t *testing.T) {
			log := &lockedBuffer{}
			s, err := storage.Open(t.Context(), storagetest.URL(t, b), slog.New(slog.NewTextHandler(log, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			log.warnings()
			test(t, s, log)
		})
	}
}

// refuseWrites makes the database refuse op (INSERT, UPDATE or DELETE) on
// the rows of table, as a fault would: a trigger that raises "refused by
// the test".
func refuseWrites(t *testing.T, s *storage.Store, table, op string) {
	t.Helper()
	ddls := []string{fmt.Sprintf(`CREATE TRIGGER refuse_%s BEFORE %s ON %s BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`, table, op, table)}
	if s.Dialect() == storage.Postgres {
		ddls = []string{
			`CREATE OR REPLACE FUNCTION refuse_by_test() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
			fmt.Sprintf(`CREATE TRIGGER refuse_%s BEFORE %s ON %s FOR EACH ROW EXECUTE FUNCTION refuse_by_test()`, table, op, table),
		}
	}
	for _, ddl := range ddls {
		if _, err := s.DB().ExecContext(t.Context(), ddl); err != nil {
			t.Fatalf("refuse %s on %s: %v", op, table, err)
		}
	}
}

// TestTokenUseNotedWarnsOnlyOnFailure: noting a token's use logs nothing
// when it is stored; when the database refuses it, the token still
// authenticates and one warning names the cause.
func TestTokenUseNotedWarnsOnlyOnFailure(t *testing.T) {
	forEachBackendLogged(t, func(t *testing.T, s *storage.Store, log *lockedBuffer) {
		ctx := t.Context()
		secret, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, CreatedBy: "test"}, nominal)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Authenticate(ctx, secret, nominal); err != nil || got.ID != tok.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		if w := log.warnings(); len(w) != 0 {
			t.Errorf("a stored use logged %q, want nothing", w)
		}
		refuseWrites(t, s, "tokens", "UPDATE")
		if got, err := s.Authenticate(ctx, secret, nominal.Add(2*time.Minute)); err != nil || got.ID != tok.ID {
			t.Fatalf("Authenticate while the use cannot be noted = %+v, %v; want the token", got, err)
		}
		w := log.warnings()
		if len(w) != 1 || !strings.Contains(w[0], `msg="note token use"`) || !strings.Contains(w[0], "refused by the test") ||
			!strings.Contains(w[0], "token_id="+tok.ID) {
			t.Errorf("a refused use logged %q, want one warning naming the token and the cause", w)
		}
	})
}

// TestSessionSweepWarnsOnlyOnFailure: a sign-in sweeps the expired
// sessions, logging nothing when they go; when the database refuses the
// sweep, the session is still made and one warning names the cause.
func TestSessionSweepWarnsOnlyOnFailure(t *testing.T) {
	forEachBackendLogged(t, func(t *testing.T, s *storage.Store, log *lockedBuffer) {
		ctx := t.Context()
		_, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, CreatedBy: "test"}, nominal)
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			t.Helper()
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, _, err := s.CreateSession(ctx, tok.ID, nominal, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateSession(ctx, tok.ID, nominal.Add(2*time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
		if w, n := log.warnings(), count(); len(w) != 0 || n != 1 {
			t.Errorf("sign-ins logged %q and left %d sessions, want nothing logged and 1 (the expired one swept)", w, n)
		}
		refuseWrites(t, s, "sessions", "DELETE")
		if _, _, err := s.CreateSession(ctx, tok.ID, nominal.Add(4*time.Hour), time.Hour); err != nil {
			t.Fatalf("CreateSession while the sweep is refused = %v, want a session", err)
		}
		w := log.warnings()
		if n := count(); len(w) != 1 || !strings.Contains(w[0], `msg="sweep sessions"`) || !strings.Contains(w[0], "refused by the test") || n != 2 {
			t.Errorf("a refused sweep logged %q and left %d sessions, want one warning naming the cause and 2", w, n)
		}
	})
}

// TestRefusalWaitsForResultsLock: a refusal decides whether its task is
// tested, so it waits for the lock of the transactions that write results
// (PostgreSQL; SQLite's one writer does the same).
func TestRefusalWaitsForResultsLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		if s.Dialect() != storage.Postgres {
			t.Skip("the results lock is PostgreSQL's; SQLite has one writer")
		}
		ctx := t.Context()
		p := committedPlan(t, s)
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('spotcheck/results', 0))`); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			done <- s.RecordRefusal(ctx, p.Tasks[0].ID, sampling.Refusal{Reason: sampling.RefusalStopped}, on("2026-11-02").Add(10*time.Hour))
		}()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case err := <-done:
				t.Fatalf("RecordRefusal returned %v while another transaction held the results lock; want it to wait", err)
			case <-tick.C:
				if n, err := s.LockWaiters(ctx); err != nil {
					t.Fatal(err)
				} else if n == 1 {
					break wait
				}
			}
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("RecordRefusal after the lock was released = %v", err)
		}
	})
}

// TestProvisionalResultsCountAndSpan: the provisional results are counted
// with the first and last of their last days to object (15 days after the
// day each was recorded); none gives 0 and no days.
func TestProvisionalResultsCountAndSpan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if got, err := s.ProvisionalResults(ctx); err != nil || got != (storage.Provisional{}) {
			t.Errorf("ProvisionalResults(none) = %+v, %v; want zero", got, err)
		}
		p := committedPlan(t, s)
		for _, r := range []struct {
			id  int64
			day string
		}{{p.Tasks[0].ID, "2026-11-02"}, {p.Tasks[1].ID, "2026-11-05"}, {p.Tasks[2].ID, "2026-11-03"}} {
			if _, err := s.RecordResults(ctx, []sampling.Result{pass(r.id, r.day)}, on(r.day).Add(9*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		want := storage.Provisional{Count: 3, First: "2026-11-17", Last: "2026-11-20"}
		if got, err := s.ProvisionalResults(ctx); err != nil || got != want {
			t.Errorf("ProvisionalResults = %+v, %v; want %+v", got, err, want)
		}
	})
}

// TestDrawRecordInspectorsUnreadable: a draw record whose inspectors
// cannot be read is an error naming them, not a record without
// inspectors.
func TestDrawRecordInspectorsUnreadable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 12)
		if _, err := s.DB().ExecContext(ctx, `ALTER TABLE recusals RENAME TO recusals_gone`); err != nil {
			t.Fatal(err)
		}
		rec, err := s.DrawRecord(ctx, testDesign(nominal, 4), nominal)
		if err == nil || !strings.Contains(err.Error(), "load inspectors") {
			t.Errorf("DrawRecord with the recusals unreadable = %d inspectors, %v; want an error loading the inspectors", len(rec.Inspectors), err)
		}
	})
}

// TestRecordBatchOf10001Results: a batch of more than 1,000 results has
// its staging table analyzed, and one of more than 10,000 more memory for
// its statement, on PostgreSQL only: 10,001 results are stored, each with
// its rollup and its task tally, on both backends.
func TestRecordBatchOf10001Results(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		const n = 10001
		tasks := storagetest.Plan(t, s, n, nominal)
		batch := make([]sampling.Result, n)
		for i, task := range tasks {
			batch[i] = pass(task.ID, "2026-11-02")
			if i%10 == 0 {
				batch[i] = fail(task.ID, "2026-11-02", "pH")
			}
		}
		stored, err := s.RecordResults(ctx, batch, on("2026-11-02").Add(9*time.Hour))
		if err != nil || stored != n {
			t.Fatalf("RecordResults(%d) = %d, %v; want %d stored", n, stored, err, n)
		}
		want := storage.Provisional{Count: n, First: "2026-11-17", Last: "2026-11-17"}
		if got, err := s.ProvisionalResults(ctx); err != nil || got != want {
			t.Errorf("ProvisionalResults = %+v, %v; want %+v", got, err, want)
		}
		rollups, err := s.Rollups(ctx, "2026-11-02")
		if err != nil || len(rollups) != 1 || rollups[0].Tested != n || rollups[0].Failed != 1001 {
			t.Errorf("Rollups = %+v, %v; want one row of %d tested, 1001 failed", rollups, err, n)
		}
		counts, err := s.TaskCounts(ctx, dayOf(on("2026-11-02")))
		if want := map[string]int{sampling.TaskAssigned: 0, sampling.TaskLapsed: 0, sampling.TaskOverdue: 0, sampling.TaskTested: n}; err != nil || !maps.Equal(counts, want) {
			t.Errorf("TaskCounts = %v, %v; want %v", counts, err, want)
		}
	})
}

// TestSnapshotStateOneViewOnPostgres: the snapshot's reads see one state
// of the database, the one of its sequence number: a writer that commits
// between its first read and its read of the task tallies is not seen
// (PostgreSQL's REPEATABLE READ; a read-only SQLite transaction reads one
// view of the WAL).
func TestSnapshotStateOneViewOnPostgres(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		if s.Dialect() != storage.Postgres {
			t.Skip("PostgreSQL's isolation; a SQLite read transaction has one view")
		}
		ctx := t.Context()
		committedPlan(t, s)
		before, err := s.SnapshotState(ctx, "2026-11-01", nominal)
		if err != nil {
			t.Fatal(err)
		}
		// A writer holds the tallies while the snapshot starts, then
		// changes them and commits.
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `LOCK TABLE task_tallies IN ACCESS EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
		type read struct {
			st  storage.SnapshotState
			err error
		}
		done := make(chan read, 1)
		go func() {
			st, err := s.SnapshotState(ctx, "2026-11-01", nominal)
			done <- read{st, err}
		}()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case r := <-done:
				t.Fatalf("SnapshotState = %+v, %v while the tallies were locked; want it to wait", r.st, r.err)
			case <-tick.C:
				var n int
				if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted`).Scan(&n); err != nil {
					t.Fatal(err)
				} else if n == 1 {
					break wait
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_tallies SET n = n + 100`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		r := <-done
		byKey := func(a, b storage.TaskTally) int {
			return cmp.Or(cmp.Compare(a.PlanID, b.PlanID), cmp.Compare(a.County, b.County), cmp.Compare(a.Status, b.Status))
		}
		slices.SortFunc(r.st.Tallies, byKey)
		slices.SortFunc(before.Tallies, byKey)
		if r.err != nil || r.st.Seq != before.Seq || len(before.Tallies) == 0 || !reflect.DeepEqual(r.st.Tallies, before.Tallies) {
			t.Errorf("SnapshotState across a commit = seq %d, tallies %+v, %v; want seq %d, tallies %+v (the view of its start)",
				r.st.Seq, r.st.Tallies, r.err, before.Seq, before.Tallies)
		}
	})
}

// TestReplicaKept30DaysAfterLastSeen: a scheduler replica's row is kept
// until 30 days after it was last seen, to the instant, and dropped after.
func TestReplicaKept30DaysAfterLastSeen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		retention := 30 * 24 * time.Hour
		if err := s.SeeReplica(ctx, "old", nominal); err != nil {
			t.Fatal(err)
		}
		spans := func(at time.Time) []string {
			t.Helper()
			if err := s.SeeReplica(ctx, "new", at); err != nil {
				t.Fatal(err)
			}
			// Since a day after old was seen: the span seen last before
			// it (old's, while kept) and new's.
			got, err := s.ReplicaSpans(ctx, nominal.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, sp := range got {
				out = append(out, sp.Started.Sub(nominal).String()+"-"+sp.Seen.Sub(nominal).String())
			}
			return out
		}
		if got, want := spans(nominal.Add(retention)), []string{"0s-0s", "720h0m0s-720h0m0s"}; !slices.Equal(got, want) {
			t.Errorf("replicas 30 days after old was seen = %v, want %v (old kept)", got, want)
		}
		if got, want := spans(nominal.Add(retention+time.Millisecond)), []string{"720h0m0s-720h0m0.001s"}; !slices.Equal(got, want) {
			t.Errorf("replicas 30 days and 1 ms after old was seen = %v, want %v (old dropped)", got, want)
		}
	})
}

// TestIsDemoByTheDemosTokens: a database is the demo's when it holds a
// token created by the demo's actor, and only then.
func TestIsDemoByTheDemosTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		check := func(want bool) {
			t.Helper()
			if got, err := s.IsDemo(ctx); err != nil || got != want {
				t.Errorf("IsDemo = %v, %v; want %v", got, err, want)
			}
		}
		check(false)
		if _, _, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, CreatedBy: "cli:someone"}, nominal); err != nil {
			t.Fatal(err)
		}
		check(false)
		if _, _, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, CreatedBy: storage.DemoActor}, nominal); err != nil {
			t.Fatal(err)
		}
		check(true)
	})
}

// TestSessionSweepKeepsSessionEndingAtSignIn: a sign-in sweeps the
// sessions that ended before it; one ending at that very instant stays
// (until the next sweep), one that ended a millisecond before goes.
func TestSessionSweepKeepsSessionEndingAtSignIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		_, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, CreatedBy: "test"}, nominal)
		if err != nil {
			t.Fatal(err)
		}
		sessions := func() int {
			t.Helper()
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, _, err := s.CreateSession(ctx, tok.ID, nominal, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateSession(ctx, tok.ID, nominal.Add(time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := sessions(); n != 2 {
			t.Errorf("sessions after a sign-in as the first ends = %d, want 2", n)
		}
		if _, _, err := s.CreateSession(ctx, tok.ID, nominal.Add(time.Hour+time.Millisecond), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := sessions(); n != 2 {
			t.Errorf("sessions after a sign-in 1 ms after the first ended = %d, want 2 (the first swept)", n)
		}
	})
}

// TestPopulationLosingAWholeBucket: a population is stored as the changed
// buckets of the one before (16 units a bucket, by the FNV-1a hash of the
// unit's key); when units leave the registry so that a bucket is left with
// none, no unit is stored with the new population, which still reads back
// unit for unit.
func TestPopulationLosingAWholeBucket(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		units := seedRegistry(t, s, 64) // 64 units: 3 bucket bits
		first := commitDraw(t, s, testDesign(nominal, 4), nominal, "first")
		const bits = 3
		bucket := func(u sampling.Unit) uint64 {
			h := fnv.New64a()
			h.Write([]byte(u.CreditCode + "/" + u.Category))
			return h.Sum64() >> (64 - bits)
		}
		var gone []string
		want := map[string]bool{}
		for _, u := range units {
			if bucket(u) == bucket(units[0]) {
				gone = append(gone, "'"+u.CreditCode+"'")
			} else {
				want[u.CreditCode] = true
			}
		}
		if _, err := s.DB().ExecContext(ctx, `UPDATE enterprises SET active = FALSE WHERE credit_code IN (`+strings.Join(gone, ", ")+`)`); err != nil {
			t.Fatal(err)
		}
		second := commitDraw(t, s, testDesign(nominal.AddDate(0, 1, 0), 4), nominal.AddDate(0, 1, 0), "second")
		_, rec, err := s.PlanRecord(ctx, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, u := range rec.Compact().Slice() {
			got[u.CreditCode] = true
		}
		if !maps.Equal(got, want) {
			t.Errorf("PlanRecord after %d units of one bucket left = %d units, want the %d others", len(gone), len(got), len(want))
		}
		// What makes the case: the second population is a delta of the
		// first that stores no unit.
		var base, rows, stored int64
		if err := s.DB().QueryRowContext(ctx, fmt.Sprintf(`SELECT p.base_id, p.chain_rows, (SELECT count(*) FROM population_units u WHERE u.population_id = p.id)
			FROM populations p JOIN plans ON plans.population_id = p.id WHERE plans.id = %d`, second.ID)).Scan(&base, &rows, &stored); err != nil {
			t.Fatal(err)
		}
		var firstPop int64
		if err := s.DB().QueryRowContext(ctx, fmt.Sprintf(`SELECT population_id FROM plans WHERE id = %d`, first.ID)).Scan(&firstPop); err != nil {
			t.Fatal(err)
		}
		if base != firstPop || rows != 64 || stored != 0 {
			t.Errorf("second population: base %d, chain rows %d, %d units stored; want base %d, 64, 0", base, rows, stored, firstPop)
		}
	})
}

// TestStagingFaultNamesTheResult: a result the staging table cannot take
// is named by its place in the batch, from 1. The fault is SQLite's own: the
// connection's temporary database may grow no further, and the second of
// two results of 2.4 KB each needs a new page.
func TestStagingFaultNamesTheResult(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		if s.Dialect() != storage.SQLite {
			t.Skip("PostgreSQL stages by COPY, whose faults show when it is flushed")
		}
		ctx := t.Context()
		p := committedPlan(t, s)
		s.DB().SetMaxOpenConns(1) // the pragma below is the connection's
		// A first batch leaves the staging tables' pages free for the next.
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(p.Tasks[0].ID, "2026-11-02")}, on("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `PRAGMA temp.max_page_count = 1`); err != nil { // as many as it has
			t.Fatal(err)
		}
		big := func(id int64) sampling.Result {
			r := fail(id, "2026-11-02", strings.Repeat("𠀀", 500)) // 2,000 bytes
			r.ReportNo = strings.Repeat("𠀀", 100)                 // and 400
			return r
		}
		batch := []sampling.Result{big(p.Tasks[1].ID), big(p.Tasks[2].ID)}
		_, err := s.RecordResults(ctx, batch, on("2026-11-02"))
		if err == nil || !strings.Contains(err.Error(), "stage result 2: ") || !strings.Contains(err.Error(), "full") {
			t.Errorf("RecordResults with the temporary database full = %v, want an error staging result 2, database full", err)
		}
	})
}

// TestSnapshotStateLeavesOutZeroTallies: the snapshot reads the task
// tallies above zero only: once every task of a plan has its result, the
// rows of its tasks without one, now 0, are left out.
func TestSnapshotStateLeavesOutZeroTallies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := committedPlan(t, s)
		var batch []sampling.Result
		for _, task := range p.Tasks {
			batch = append(batch, pass(task.ID, "2026-11-02"))
		}
		if _, err := s.RecordResults(ctx, batch, on("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		st, err := s.SnapshotState(ctx, "2026-11-01", nominal)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tl := range st.Tallies {
			if !tl.Result || tl.N <= 0 {
				t.Errorf("SnapshotState has tally %+v, want only rows of tasks with a result, above 0", tl)
			}
			n += tl.N
		}
		if n != len(p.Tasks) || len(st.Tallies) == 0 {
			t.Errorf("SnapshotState tallies = %+v, want %d tasks with a result", st.Tallies, len(p.Tasks))
		}
	})
}
