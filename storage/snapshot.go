package storage

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// What the rates snapshot (package monitor) derives from: the rollups, the
// task tallies (tasks counted by plan, due date, cell and state) and the
// plans.
// Every write keeps them in its own transaction, and a write that changes
// them tells its watchers what it changed (a Change), so that a snapshot
// applies the change instead of reading everything again. A snapshot that
// does read everything (SnapshotState) reads these tables only: their size
// follows the cells, days and plans, never the number of tasks or results.

// TaskTally counts the tasks of a plan with one due date in one tier,
// industry and county, with one stored status, and a result or none. The
// state TaskDetails shows follows from the last two (see State), as
// taskStatus derives it.
type TaskTally struct {
	PlanID   int64        `db:"plan_id"`
	Due      sampling.Day `db:"due"`
	Tier     string       `db:"tier"`
	Industry string       `db:"industry"`
	County   string       `db:"county"`
	Status   string       `db:"status"` // as stored in tasks
	Result   bool         `db:"with_result"`
	N        int          `db:"n"`
}

// tallyColumns are the task tallies' columns, in their order.
const tallyColumns = `plan_id, due, tier, industry, county, status, with_result, n`

// State is the state of the tally's tasks, sampling.StatusWithResult.
func (t TaskTally) State() string { return sampling.StatusWithResult(t.Status, t.Result) }

// PlanInfo is what the snapshot needs of a plan.
type PlanInfo struct {
	ID          int64     `db:"id"`
	Schedule    string    `db:"schedule"`
	NominalTime time.Time `db:"nominal_time"`
	Open        bool      `db:"open"`
}

// Change is what one committed write changed of the snapshot's data, as
// the values after it: rollup rows (a row with Tested 0 is gone), task
// tallies (N 0: none left), and the plans those tallies belong to; a row
// written twice is there twice, the newer value later. Seq
// orders the writes that report changes: each takes the next number in its
// transaction, so a later Seq has seen every earlier change, and a
// SnapshotState with Seq at least this one includes it.
type Change struct {
	Seq     int64
	Rollups []sampling.Rollup
	Tallies []TaskTally
	Plans   []PlanInfo
}

// SnapshotState is the snapshot's data read in one transaction: every
// change up to Seq is in it, none after.
type SnapshotState struct {
	Seq int64
	// Rollups are the rollup rows from the day asked for on.
	Rollups []sampling.Rollup
	// Tallies are every plan's task tallies that are not zero.
	Tallies []TaskTally
	// Plans are the plans made at or after the time asked for.
	Plans []PlanInfo
}

// watchers are the functions told of each change.
type watchers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(Change)
}

// Watch calls fn with every change this store commits, after the commit,
// on the writer's goroutine, until the returned function is called. Changes
// of concurrent writers may arrive out of Seq order; changes made by other
// processes never arrive (read them with SnapshotState).
func (s *Store) Watch(fn func(Change)) (stop func()) {
	w := s.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func(Change){}
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.fns, id)
	}
}

// publish tells the watchers of ch.
func (s *Store) publish(ch Change) {
	w := s.watchers
	w.mu.Lock()
	fns := make([]func(Change), 0, len(w.fns))
	for _, fn := range w.fns {
		fns = append(fns, fn)
	}
	w.mu.Unlock()
	for _, fn := range fns {
		fn(ch)
	}
}

// inTxChange is inTx for a write that may change the snapshot's data: fn
// fills in ch (see numberChange), and after the commit the watchers are told.
func (s *Store) inTxChange(ctx context.Context, fn func(tx *sqlx.Tx, ch *Change) error) error {
	var ch Change
	if err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		ch = Change{}
		return fn(tx, &ch)
	}); err != nil {
		return err
	}
	if ch.Seq != 0 {
		s.publish(ch)
	}
	return nil
}

// numberChange gives ch the next change number. It locks the number's row until
// the transaction ends, which orders every write that reports a change:
// call it last, just before the commit, so that the lock is held briefly.
func numberChange(ctx context.Context, tx *sqlx.Tx, ch *Change) error {
	if err := tx.GetContext(ctx, &ch.Seq, `UPDATE snapshot_seq SET seq = seq + 1 RETURNING seq`); err != nil {
		return fmt.Errorf("number the change: %w", err)
	}
	return nil
}

// tallyKey is a task tally's row.
type tallyKey struct {
	plan                           int64
	due                            sampling.Day
	tier, industry, county, status string
	result                         bool
}

// tallyDeltas collects changes to task tallies within one transaction.
type tallyDeltas map[tallyKey]int

// move counts n tasks of key k (whose status and result are ignored) as
// moved from one stored status to another, with a result or not.
func (d tallyDeltas) move(k tallyKey, from string, fromResult bool, to string, toResult bool, n int) {
	if (from == to && fromResult == toResult) || n == 0 {
		return
	}
	k.status, k.result = from, fromResult
	d[k] -= n
	k.status, k.result = to, toResult
	d[k] += n
}

const tallyConflict = ` ON CONFLICT (plan_id, due, tier, industry, county, status, with_result)`

const tallyUpsert = `INSERT INTO task_tallies (` + tallyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)` +
	tallyConflict + ` DO UPDATE SET n = task_tallies.n + excluded.n RETURNING ` + tallyColumns

// apply adds the deltas to the task tallies and notes the rows' new values
// in ch, with the plans they belong to, unless ch is nil.
func (d tallyDeltas) apply(ctx context.Context, tx *sqlx.Tx, ch *Change) error {
	if len(d) == 0 {
		return nil
	}
	keys := make([]tallyKey, 0, len(d))
	plans := map[int64]bool{}
	for k, n := range d {
		if n != 0 {
			keys = append(keys, k)
			plans[k.plan] = true
		}
	}
	// In key order, so that concurrent writers lock rows in one order.
	slices.SortFunc(keys, func(a, b tallyKey) int {
		return cmp.Or(cmp.Compare(a.plan, b.plan), cmp.Compare(a.due, b.due), cmp.Compare(a.tier, b.tier),
			cmp.Compare(a.industry, b.industry), cmp.Compare(a.county, b.county), cmp.Compare(a.status, b.status),
			boolCompare(a.result, b.result))
	})
	up, err := tx.PreparexContext(ctx, tx.Rebind(tallyUpsert))
	if err != nil {
		return fmt.Errorf("update task tallies: %w", err)
	}
	defer up.Close()
	for _, k := range keys {
		var t TaskTally
		if err := up.QueryRowxContext(ctx, k.plan, k.due, k.tier, k.industry, k.county, k.status, k.result, d[k]).StructScan(&t); err != nil {
			return fmt.Errorf("update task tally of plan %d: %w", k.plan, err)
		}
		if ch != nil {
			ch.Tallies = append(ch.Tallies, t)
		}
	}
	if ch == nil {
		return nil
	}
	return notePlans(ctx, tx, ch, slices.Sorted(maps.Keys(plans)))
}

// boolCompare orders false before true.
func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// planInfoColumns select a PlanInfo from plans.
const planInfoColumns = `id, schedule, nominal_time, status = 'open' AS open`

// notePlans adds the plans ids to ch, in id order, a query per chunk of
// ids rather than one per plan.
func notePlans(ctx context.Context, tx *sqlx.Tx, ch *Change, ids []int64) error {
	return inChunks(ids, func(args []any, list string) error {
		var ps []PlanInfo
		if err := tx.SelectContext(ctx, &ps, tx.Rebind(`SELECT `+planInfoColumns+` FROM plans WHERE id IN `+list+` ORDER BY id`), args...); err != nil {
			return fmt.Errorf("load plans: %w", err)
		}
		if len(ps) != len(args) {
			return fmt.Errorf("load plans: %d of %d found", len(ps), len(args))
		}
		ch.Plans = append(ch.Plans, ps...)
		return nil
	})
}

// tallyPlan counts closed plan id's tasks into the task tallies afresh,
// from their stored states (which a closed plan's tasks keep, see
// ClosePlans), and notes the plan and its tallies in ch. It reads the
// plan's tasks only.
func tallyPlan(ctx context.Context, tx *sqlx.Tx, ch *Change, id int64) error {
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE task_tallies SET n = 0 WHERE plan_id = ?`), id); err != nil {
		return fmt.Errorf("count tasks of plan %d: %w", id, err)
	}
	// A closed plan's stored statuses are what taskStatus shows: whether a
	// task has a result no longer matters, and is not read.
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO task_tallies (`+tallyColumns+`)
		SELECT plan_id, due, tier, industry, county, status, ?, count(*) FROM tasks WHERE plan_id = ?
		GROUP BY plan_id, due, tier, industry, county, status`+tallyConflict+` DO UPDATE SET n = excluded.n`), false, id); err != nil {
		return fmt.Errorf("count tasks of plan %d: %w", id, err)
	}
	if ch == nil {
		return nil
	}
	var ts []TaskTally
	if err := tx.SelectContext(ctx, &ts, tx.Rebind(`SELECT `+tallyColumns+` FROM task_tallies WHERE plan_id = ?`), id); err != nil {
		return fmt.Errorf("load task tallies of plan %d: %w", id, err)
	}
	ch.Tallies = append(ch.Tallies, ts...)
	return notePlans(ctx, tx, ch, []int64{id})
}

// SnapshotState reads, in one transaction, the rollups from the day since
// on, every task tally and the plans made at or after plansSince.
func (s *Store) SnapshotState(ctx context.Context, since sampling.Day, plansSince time.Time) (SnapshotState, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead // one view for every statement
	}
	// On SQLite a read-only transaction is deferred: it reads one view of
	// the WAL from its first statement on and takes no write lock.
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return SnapshotState{}, fmt.Errorf("read snapshot: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == Postgres {
		return snapshotStatePostgres(ctx, tx, since, plansSince)
	}
	var st SnapshotState
	if err := tx.GetContext(ctx, &st.Seq, `SELECT seq FROM snapshot_seq`); err != nil {
		return SnapshotState{}, fmt.Errorf("read snapshot: %w", err)
	}
	if st.Rollups, err = rollupsSince(ctx, tx, since); err != nil {
		return SnapshotState{}, err
	}
	if st.Tallies, err = loadTallies(ctx, tx); err != nil {
		return SnapshotState{}, err
	}
	if st.Plans, err = plansFrom(ctx, tx, plansSince); err != nil {
		return SnapshotState{}, err
	}
	return st, nil
}

// snapshotStatePostgres reads the snapshot's state in tx, a repeatable-read
// transaction on PostgreSQL, in one round trip: the four queries go as one
// simple query (no parameters: the day and time are written in as
// literals) with four result sets, where one at a time would take six round
// trips, each a wait for the server's turn on a loaded machine.
func snapshotStatePostgres(ctx context.Context, tx *sqlx.Tx, since sampling.Day, plansSince time.Time) (SnapshotState, error) {
	var st SnapshotState
	rows, err := tx.QueryContext(ctx, `SELECT seq FROM snapshot_seq; `+rollupsSinceQuery(since)+`; `+
		`SELECT `+tallyColumns+` FROM task_tallies WHERE n > 0; `+
		`SELECT `+planInfoColumns+` FROM plans WHERE nominal_time >= `+quoteLiteral(plansSince.UTC().Format(time.RFC3339Nano))+` ORDER BY id`)
	if err != nil {
		return st, fmt.Errorf("read snapshot: %w", err)
	}
	defer rows.Close()
	next := func(what string) error {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read snapshot: %s: %w", what, err)
		}
		if !rows.NextResultSet() {
			return fmt.Errorf("read snapshot: no result for the %s: %v", what, rows.Err())
		}
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(&st.Seq); err != nil {
			return st, fmt.Errorf("read snapshot: %w", err)
		}
	}
	if err := next("rollups"); err != nil {
		return st, err
	}
	if st.Rollups, err = scanRollups(rows); err != nil {
		return st, err
	}
	if err := next("task tallies"); err != nil {
		return st, err
	}
	scan := &sqlx.Rows{Rows: rows, Mapper: tx.Mapper}
	if err := sqlx.StructScan(scan, &st.Tallies); err != nil {
		return st, fmt.Errorf("load task tallies: %w", err)
	}
	if err := next("plans"); err != nil {
		return st, err
	}
	if err := sqlx.StructScan(scan, &st.Plans); err != nil {
		return st, fmt.Errorf("load plans: %w", err)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("read snapshot: %w", err)
	}
	return st, nil
}

// plansFrom reads the plans made at or after since, in id order.
func plansFrom(ctx context.Context, q queryer, since time.Time) ([]PlanInfo, error) {
	var ps []PlanInfo
	if err := sqlx.SelectContext(ctx, q, &ps, q.Rebind(`SELECT `+planInfoColumns+` FROM plans WHERE nominal_time >= ? ORDER BY id`), since.UTC()); err != nil {
		return nil, fmt.Errorf("load plans: %w", err)
	}
	return ps, nil
}

// loadTallies reads the task tallies that are not zero.
func loadTallies(ctx context.Context, q queryer) ([]TaskTally, error) {
	var ts []TaskTally
	if err := sqlx.SelectContext(ctx, q, &ts, `SELECT `+tallyColumns+` FROM task_tallies WHERE n > 0`); err != nil {
		return nil, fmt.Errorf("load task tallies: %w", err)
	}
	return ts, nil
}

// CountTasks counts tasks by state, tier, industry and county from their
// tallies (the snapshot's spotcheck_tasks): "overdue" counts the tasks awaiting their
// result whose due date is before today, which are then not counted in
// their own state. Every (tier, industry, county) that has tasks has a row
// for each of assigned, tested, overdue and lapsed, with 0 when none, so
// that the metric's series stay while their counts fall to 0; like the
// count over the tasks it replaces, it also has a row for a state some
// task is stored in, even when a result makes them all tested. Rows come
// sorted by tier, industry, county and state.
func CountTasks(tallies []TaskTally, today sampling.Day) []sampling.TaskCount {
	awaiting := sampling.TaskStatesTo(sampling.TaskTested)
	m := map[sampling.TaskCount]int{}
	add := func(t TaskTally, state string, n int) {
		m[sampling.TaskCount{State: state, Tier: t.Tier, Industry: t.Industry, County: t.County}] += n
		for _, st := range []string{sampling.TaskAssigned, sampling.TaskTested, sampling.TaskOverdue, sampling.TaskLapsed} {
			m[sampling.TaskCount{State: st, Tier: t.Tier, Industry: t.Industry, County: t.County}] += 0
		}
	}
	for _, t := range tallies {
		if t.N == 0 {
			continue
		}
		st := t.Status
		if t.Due.Before(today) && slices.Contains(awaiting, st) {
			st = sampling.TaskOverdue
		}
		add(t, st, t.N)
		if shown := t.State(); shown != t.Status {
			add(t, st, -t.N)
			add(t, shown, t.N)
		}
	}
	out := make([]sampling.TaskCount, 0, len(m))
	for k, n := range m {
		k.N = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b sampling.TaskCount) int {
		return cmp.Or(cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.Industry, b.Industry), cmp.Compare(a.County, b.County), cmp.Compare(a.State, b.State))
	})
	return out
}

// CountPlanTasks counts the tasks of each of plans made at or after since
// by state, from their tallies, in plan order, with the plan's schedule
// and nominal date in loc: what PlanTaskCounts returns.
func CountPlanTasks(plans []PlanInfo, tallies []TaskTally, since time.Time, loc *time.Location) []sampling.PlanTaskCount {
	type key struct {
		plan   int64
		status string
	}
	n := map[key]int{}
	for _, t := range tallies {
		n[key{t.PlanID, t.State()}] += t.N
	}
	plans = slices.Clone(plans)
	slices.SortFunc(plans, func(a, b PlanInfo) int { return cmp.Compare(a.ID, b.ID) })
	var out []sampling.PlanTaskCount
	for _, p := range plans {
		if p.NominalTime.Before(since) {
			continue
		}
		day := sampling.DayOf(p.NominalTime, loc)
		for _, st := range sampling.TaskStates() {
			if c := n[key{p.ID, st}]; c > 0 {
				out = append(out, sampling.PlanTaskCount{Schedule: p.Schedule, Day: day, Status: st, N: c, PlanOpen: p.Open})
			}
		}
	}
	return out
}
