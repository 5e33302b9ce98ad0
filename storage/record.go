package storage

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"spotcheck/sampling"
)

// The recording path is one for every backend and batch size: the results
// go into a temporary staging table (COPY on PostgreSQL, a prepared INSERT
// on SQLite), are validated there set-wise against tasks, plans and stored
// results, and are then moved into results with their rollups and one
// audit entry, all in one transaction.

// lockResults takes, for the rest of tx, the lock held by a transaction
// that writes results (recording, correcting, objecting, finalizing),
// refuses a task or closes a plan. Whether a task is tested depends on its
// having a result (see taskStatus), so a refusal, a plan's closing and a
// result must not decide on one task at once. On SQLite the write lock,
// taken at BEGIN, does the same.
func (s *Store) lockResults(ctx context.Context, tx *sqlx.Tx) error {
	_, err := lock(ctx, tx, false, "results")
	return err
}

// stageColumns are the columns of result_stage, in COPY order. A staged
// row is known by its task: a batch stages each task once.
var stageColumns = []string{"task_id", "outcome", "tested_on", "report_no", "failed_items", "idem_key"}

// stage is a temporary table of one transaction: its name and either its
// columns, "(a TEXT, …)", or the query it is made from, "AS SELECT …".
type stage struct{ name, def string }

// resultStages are the staging tables of results: result_stage for the
// results, stage_plans for the first test day of each open plan, and
// stage_cells for the results' counts by day, plan and cell (see
// validateStage).
var resultStages = []stage{
	{"result_stage", `(task_id BIGINT NOT NULL, outcome TEXT NOT NULL, tested_on TEXT NOT NULL,
		report_no TEXT NOT NULL, failed_items TEXT NOT NULL, idem_key TEXT)`},
	{"stage_plans", `(id BIGINT NOT NULL, first_day TEXT NOT NULL)`},
	{"stage_cells", `(day TEXT NOT NULL, plan_id BIGINT, tier TEXT, industry TEXT, category TEXT, county TEXT,
		due TEXT, status TEXT, tested BIGINT NOT NULL, failed BIGINT NOT NULL, w_tested DOUBLE PRECISION NOT NULL, w_failed DOUBLE PRECISION NOT NULL)`},
}

// createStage creates staging tables that last until tx ends: dropped at
// its commit on PostgreSQL; on SQLite, where temporary tables outlive the
// transaction, dropped first if a connection still holds one, and by
// dropStage.
func (s *Store) createStage(ctx context.Context, tx *sqlx.Tx, tables ...stage) error {
	for _, t := range tables {
		// Columns come before ON COMMIT, a query after it.
		columns, query := t.def, ""
		if !strings.HasPrefix(t.def, "(") {
			columns, query = "", " "+t.def
		}
		onCommit := ""
		if s.dialect == Postgres {
			onCommit = " ON COMMIT DROP"
		} else if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.`+t.name); err != nil {
			return fmt.Errorf("create staging table %s: %w", t.name, err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE `+t.name+` `+columns+onCommit+query); err != nil {
			return fmt.Errorf("create staging table %s: %w", t.name, err)
		}
	}
	return nil
}

// dropStage drops staging tables made by createStage, which on SQLite
// outlive the transaction.
func (s *Store) dropStage(ctx context.Context, tx *sqlx.Tx, tables ...stage) error {
	if s.dialect == Postgres {
		return nil
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.`+t.name); err != nil {
			return fmt.Errorf("drop staging table %s: %w", t.name, err)
		}
	}
	return nil
}

// largeBatch lets the hash joins and aggregates over a staged batch of
// more than 10,000 rows fit in memory instead of spilling to disk in
// batches, and runs them without JIT compilation.
func (s *Store) largeBatch(ctx context.Context, tx *sqlx.Tx, rows int) error {
	if s.dialect != Postgres || rows <= 10_000 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("set work_mem: %w", err)
	}
	return nil
}

// fillStage loads results[i] for each i in idx into the staging tables.
func (s *Store) fillStage(ctx context.Context, tx *sqlx.Tx, results []sampling.Result, keys []string, idx []int, loc *time.Location) error {
	query := tx.Rebind(`INSERT INTO result_stage (` + strings.Join(stageColumns, ", ") + `) VALUES (?, ?, ?, ?, ?, ?)`)
	if s.dialect == Postgres {
		query = pq.CopyIn("result_stage", stageColumns...)
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return fmt.Errorf("stage results: %w", err)
	}
	defer stmt.Close()
	for _, i := range idx {
		r := results[i]
		var key any
		if keys != nil && keys[i] != "" {
			key = keys[i]
		}
		if _, err := stmt.ExecContext(ctx, r.TaskID, r.Outcome, r.TestedOn, r.ReportNo, r.FailedItems, key); err != nil {
			return fmt.Errorf("stage result %d: %w", i+1, err)
		}
	}
	if s.dialect == Postgres {
		if _, err := stmt.ExecContext(ctx); err != nil { // flushes the COPY
			return fmt.Errorf("stage results: %w", err)
		}
		// Temporary tables have no statistics until analyzed; without
		// them the planner guesses a few rows and may pick nested loops.
		if len(idx) > 1000 {
			if _, err := tx.ExecContext(ctx, `ANALYZE result_stage`); err != nil {
				return fmt.Errorf("analyze staging table: %w", err)
			}
		}
	}
	// A test is before its plan when its day is before the plan's day in
	// the service's zone. Few plans are open at a time.
	var open []struct {
		ID          int64     `db:"id"`
		NominalTime time.Time `db:"nominal_time"`
	}
	if err := tx.SelectContext(ctx, &open, `SELECT id, nominal_time FROM plans WHERE status = 'open'`); err != nil {
		return fmt.Errorf("load open plans: %w", err)
	}
	planStmt, err := tx.PrepareContext(ctx, tx.Rebind(`INSERT INTO stage_plans (id, first_day) VALUES (?, ?)`))
	if err != nil {
		return fmt.Errorf("stage open plans: %w", err)
	}
	defer planStmt.Close()
	for _, p := range open {
		if _, err := planStmt.ExecContext(ctx, p.ID, sampling.DayOf(p.NominalTime, loc)); err != nil {
			return fmt.Errorf("stage plan %d: %w", p.ID, err)
		}
	}
	return nil
}

// planCheck is a staged row whose task is unknown, or whose plan is closed
// or later than its test.
type planCheck struct {
	TaskID      int64        `db:"task_id"`
	Unknown     bool         `db:"unknown"`
	PlanStatus  string       `db:"plan_status"`
	NominalTime sql.NullTime `db:"nominal_time"`
}

// keyUse is a stored result of task Holder that already carries the key of
// task Staged's staged row.
type keyUse struct {
	Staged int64 `db:"staged"`
	Holder int64 `db:"holder"`
}

// checkPlans finds the staged rows whose task is unknown, whose plan is not
// open, or whose test was before the plan.
func (s *Store) checkPlans(ctx context.Context, tx *sqlx.Tx) ([]planCheck, error) {
	var plans []planCheck
	if err := tx.SelectContext(ctx, &plans, `SELECT s.task_id, t.id IS NULL AS unknown, COALESCE(p.status, '') AS plan_status, p.nominal_time
		FROM result_stage s LEFT JOIN tasks t ON t.id = s.task_id LEFT JOIN plans p ON p.id = t.plan_id
		LEFT JOIN stage_plans sp ON sp.id = t.plan_id
		WHERE t.id IS NULL OR sp.id IS NULL OR s.tested_on < sp.first_day`); err != nil {
		return nil, fmt.Errorf("check tasks and plans: %w", err)
	}
	return plans, nil
}

// validateStage checks the staged rows set-wise and decides, for each, to
// store it as a first result, as a retest, or to skip it as a retry. It
// returns the problems found and the existing versions of touched tasks.
//
// It leaves in result_stage only the rows of tasks without a result (the
// first results, when nothing is wrong) and counts them by day, plan and
// cell into stage_cells. That one join of the staged rows with their tasks
// serves the rollups and, in a batch of first results only, the plan checks
// too: the rows are checked one by one only when their counts show an
// unknown task, a closed plan or a test before its plan.
func (s *Store) validateStage(ctx context.Context, tx *sqlx.Tx, results []sampling.Result, keys []string, idx []int, loc *time.Location) (
	problems []Problem, firsts []int, retests []int, versions map[int64]sampling.ResultHistory, err error) {
	var stored []sampling.ResultVersion
	if err := tx.SelectContext(ctx, &stored, `SELECT `+versionColumns+` FROM results
		WHERE task_id IN (SELECT task_id FROM result_stage) ORDER BY task_id, version`); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("load stored results: %w", err)
	}
	versions = map[int64]sampling.ResultHistory{}
	for _, v := range stored {
		versions[v.TaskID] = append(versions[v.TaskID], v)
	}
	var keyed []keyUse
	if keys != nil {
		if err := tx.SelectContext(ctx, &keyed, `SELECT s.task_id AS staged, r.task_id AS holder FROM result_stage s JOIN results r ON r.idempotency_key = s.idem_key`); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("check idempotency keys: %w", err)
		}
	}
	var plans []planCheck
	if len(versions) > 0 {
		// Retests and retries are checked one by one, then leave the
		// staging table.
		if plans, err = s.checkPlans(ctx, tx); err != nil {
			return nil, nil, nil, nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM result_stage WHERE EXISTS (SELECT 1 FROM results r WHERE r.task_id = result_stage.task_id)`); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("drop retests and retries from staging: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO stage_cells
		SELECT s.tested_on AS day, t.plan_id, t.tier, t.industry, t.category, t.county, t.due, t.status, count(*) AS tested,
			sum(CASE WHEN s.outcome = 'fail' THEN 1 ELSE 0 END) AS failed,
			sum(`+rollupWeight+`) AS w_tested, sum(CASE WHEN s.outcome = 'fail' THEN `+rollupWeight+` ELSE 0 END) AS w_failed
		FROM result_stage s LEFT JOIN tasks t ON t.id = s.task_id
		GROUP BY s.tested_on, t.plan_id, t.tier, t.industry, t.category, t.county, t.due, t.status`); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("count staged results: %w", err)
	}
	if len(versions) == 0 {
		var suspect bool
		if err := tx.GetContext(ctx, &suspect, `SELECT EXISTS (SELECT 1 FROM stage_cells c LEFT JOIN stage_plans p ON p.id = c.plan_id
			WHERE p.id IS NULL OR c.day < p.first_day)`); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("check tasks and plans: %w", err)
		}
		if suspect {
			if plans, err = s.checkPlans(ctx, tx); err != nil {
				return nil, nil, nil, nil, err
			}
		}
	}

	// A refused task takes no result (a retest of a tested one is fine).
	var refusedTasks []int64
	if err := tx.SelectContext(ctx, &refusedTasks, tx.Rebind(`SELECT s.task_id FROM result_stage s JOIN tasks t ON t.id = s.task_id WHERE t.status = ?`),
		sampling.TaskRefused); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("check refused tasks: %w", err)
	}
	// A batch stages each task once: staged rows are known by their task.
	refused := map[int64]bool{}
	for _, id := range refusedTasks {
		refused[id] = true
	}
	planOf := map[int64]planCheck{}
	for _, p := range plans {
		planOf[p.TaskID] = p
	}
	keyOf := map[int64]keyUse{}
	for _, k := range keyed {
		keyOf[k.Staged] = k
	}
	bad := func(i int, field, format string, args ...any) {
		problems = append(problems, Problem{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for _, i := range idx {
		r := results[i]
		if p, ok := planOf[r.TaskID]; ok && p.Unknown {
			bad(i, "task_id", "no task %d", r.TaskID)
			continue
		}
		vs := versions[r.TaskID]
		if vs.Holds(r) {
			continue // already stored: a retry
		}
		if k, ok := keyOf[r.TaskID]; ok {
			bad(i, "Idempotency-Key", "key was already used for a different result (task %d)", k.Holder)
			continue
		}
		if p, ok := planOf[r.TaskID]; ok {
			if p.PlanStatus != sampling.PlanOpen {
				bad(i, "task_id", "task %d belongs to a plan that is %s, not open", r.TaskID, p.PlanStatus)
			} else {
				bad(i, "tested_on", "%s is before the task's plan was made (%s)", r.TestedOn, sampling.DayOf(p.NominalTime.Time, loc))
			}
			continue
		}
		if _, rerr := vs.Accept(r, refused[r.TaskID]); rerr != nil {
			problems = append(problems, problemOf(i, rerr))
		} else if r.Retest {
			retests = append(retests, i)
		} else {
			firsts = append(firsts, i)
		}
	}
	return problems, firsts, retests, versions, nil
}

// problemOf is e as the problem of the batch's result i.
func problemOf(i int, e *sampling.ResultError) Problem {
	p := fieldProblem(i, e.FieldError)
	p.Conflict = e.Conflict
	return p
}

// fieldProblem is the field error e as the problem of the batch's result
// i, keeping its catalogue key for the inspectors' pages.
func fieldProblem(i int, e sampling.FieldError) Problem {
	return Problem{Index: i, Field: e.Field, Reason: e.Reason, Key: e.Key, Args: e.Args}
}

// recordResults stores results, keyed when keys is not nil, in one
// transaction; see RecordResults.
func (s *Store) recordResults(ctx context.Context, results []sampling.Result, keys []string, now time.Time) (int, error) {
	loc := now.Location()
	today := sampling.Today(now, loc)
	var problems []Problem
	seen := make(map[int64]int, len(results))
	dayChecked := map[sampling.Day]*sampling.FieldError{}
	staged := make([]int, 0, len(results))
	for i, r := range results {
		if j, ok := seen[r.TaskID]; ok {
			if results[j] != r {
				problems = append(problems, Problem{Index: i, Field: "task_id", Conflict: true,
					Reason: fmt.Sprintf("task %d has a different result earlier in the same batch (result %d)", r.TaskID, j+1)})
			}
			continue
		}
		seen[r.TaskID] = i
		errs := r.CheckFields()
		day, ok := dayChecked[r.TestedOn]
		if !ok { // a batch has few distinct test days
			day = sampling.CheckTestDay("tested_on", r.TestedOn, today)
			dayChecked[r.TestedOn] = day
		}
		if day != nil {
			errs = append(errs, *day)
		}
		if len(errs) > 0 {
			for _, e := range errs {
				problems = append(problems, fieldProblem(i, e))
			}
			continue
		}
		staged = append(staged, i)
	}
	stored := 0
	err := s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		var firsts, retests []int
		var versions map[int64]sampling.ResultHistory
		if len(staged) > 0 {
			if err := s.lockResults(ctx, tx); err != nil {
				return err
			}
			if err := s.largeBatch(ctx, tx, len(staged)); err != nil {
				return err
			}
			if err := s.createStage(ctx, tx, resultStages...); err != nil {
				return err
			}
			if err := s.fillStage(ctx, tx, results, keys, staged, loc); err != nil {
				return err
			}
			more, f, rt, vs, err := s.validateStage(ctx, tx, results, keys, staged, loc)
			if err != nil {
				return err
			}
			problems, firsts, retests, versions = append(problems, more...), f, rt, vs
		}
		if len(problems) > 0 {
			slices.SortStableFunc(problems, func(a, b Problem) int { return cmp.Compare(a.Index, b.Index) })
			return &RejectedError{Problems: problems}
		}
		if len(firsts)+len(retests) > 0 {
			if err := s.storeStaged(ctx, tx, ch, results, firsts, retests, versions, today); err != nil {
				return err
			}
		}
		stored = len(firsts) + len(retests)
		if len(staged) > 0 {
			if err := s.dropStage(ctx, tx, resultStages...); err != nil {
				return err
			}
		}
		if stored > 0 {
			return numberChange(ctx, tx, ch)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// storeStaged moves the validated rows into results: first results set-wise
// from the staging table, retests one by one; then rollups and the audit
// entry, and the task tallies, noted in ch. Tasks are not touched: a task
// with a result is tested (see taskStatus), so a million results do not
// rewrite a million task rows.
func (s *Store) storeStaged(ctx context.Context, tx *sqlx.Tx, ch *Change, results []sampling.Result, firsts, retests []int,
	versions map[int64]sampling.ResultHistory, today sampling.Day) error {
	actor := actorOf(ctx)
	var retested, superseded []sampling.ResultVersion
	for _, i := range retests {
		r := results[i]
		vs := versions[r.TaskID]
		next, rerr := vs.Accept(r, false)
		if rerr != nil { // validateStage accepted it
			return fmt.Errorf("retest of task %d: %w", r.TaskID, rerr)
		}
		next.RecordedBy = actor
		superseded = append(superseded, *vs.Effective())
		retested = append(retested, next)
	}
	// The digest takes the new versions in task order: the first results
	// (version 1, a million in a large import, so not copied into versions)
	// merged with the retests (never of the same task).
	byTask := func(a, b int) int { return cmp.Compare(results[a].TaskID, results[b].TaskID) }
	if !slices.IsSortedFunc(firsts, byTask) {
		firsts = slices.Clone(firsts)
		slices.SortFunc(firsts, byTask)
	}
	slices.SortFunc(retested, func(a, b sampling.ResultVersion) int { return cmp.Compare(a.TaskID, b.TaskID) })
	n := len(firsts) + len(retested)
	var listed []sampling.ResultVersion
	dg := newDigester()
	var v sampling.ResultVersion
	for fi, ri := 0, 0; fi+ri < n; {
		if ri < len(retested) && (fi == len(firsts) || retested[ri].TaskID < results[firsts[fi]].TaskID) {
			v = retested[ri]
			ri++
		} else {
			v = sampling.FirstVersion(results[firsts[fi]])
			v.RecordedBy = actor
			fi++
		}
		dg.add(&v)
		if n <= maxAuditRows {
			listed = append(listed, v)
		}
	}
	entity := "results"
	if n == 1 {
		entity = fmt.Sprintf("task/%d", v.TaskID)
	}
	after := recordAfter{auditDigest: dg.record(), ObjectionUntil: s.policy.Objection.Until("", today), ByIndustry: map[string]sampling.Day{}, Results: listed}
	for ind := range s.policy.Objection.Days {
		after.ByIndustry[ind] = s.policy.Objection.Until(ind, today)
	}
	var before any
	if len(superseded) > 0 {
		before = map[string]any{"superseded": superseded}
	}
	seq, err := s.appendAudit(ctx, tx, ActionRecord, entity, before, after)
	if err != nil {
		return err
	}

	if len(firsts) > 0 {
		// The first results are what validateStage left in the staging
		// table, counted in stage_cells.
		deadline, args := s.objectionCase(today)
		args = append(args, actor, seq)
		from := `FROM result_stage s`
		if len(s.policy.Objection.Days) > 0 { // the deadline depends on the task's industry
			from += ` JOIN tasks t ON t.id = s.task_id`
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO results (task_id, version, kind, outcome, tested_on, report_no, failed_items,
			counted_on, idempotency_key, state, objection_until, recorded_by, audit_seq)
			SELECT s.task_id, 1, `+sqlString(string(sampling.ResultFirst))+`, s.outcome, s.tested_on, s.report_no, s.failed_items, s.tested_on, s.idem_key, `+sqlString(string(sampling.ResultProvisional))+`, `+deadline+`, ?, ?
			`+from), args...); err != nil {
			return fmt.Errorf("insert results: %w", err)
		}
		if err := upsertRollupsFrom(ctx, tx, ch, `SELECT day, tier, industry, category, county, 'provisional', sum(tested), sum(failed), sum(w_tested), sum(w_failed)
			FROM stage_cells GROUP BY day, tier, industry, category, county`); err != nil {
			return fmt.Errorf("update rollups: %w", err)
		}
		// A first result gives its task a result (and so makes it tested).
		var moved []TaskTally
		if err := tx.SelectContext(ctx, &moved, `SELECT plan_id, due, tier, industry, county, status, sum(tested) AS n FROM stage_cells
			GROUP BY plan_id, due, tier, industry, county, status`); err != nil {
			return fmt.Errorf("count tested tasks: %w", err)
		}
		tallies := tallyDeltas{}
		for _, m := range moved {
			k := tallyKey{plan: m.PlanID, due: m.Due, tier: m.Tier, industry: m.Industry, county: m.County}
			tallies.move(k, m.Status, false, m.Status, true, m.N)
		}
		if err := tallies.apply(ctx, tx, ch); err != nil {
			return err
		}
	}
	deltas := rollupDeltas{}
	for _, v := range retested {
		eff := versions[v.TaskID].Effective()
		if err := s.supersede(ctx, tx, eff, &v, seq, deltas); err != nil {
			return err
		}
	}
	return deltas.apply(ctx, tx, ch)
}

// maxAuditRows is how many created versions an audit entry lists in full;
// larger batches are recorded by count and digest only.
const maxAuditRows = 20

// recordAfter is the "after" of a results.record audit entry.
type recordAfter struct {
	auditDigest
	ObjectionUntil sampling.Day             `json:"objection_until"`
	ByIndustry     map[string]sampling.Day  `json:"objection_until_by_industry,omitempty"`
	Results        []sampling.ResultVersion `json:"results,omitempty"`
}

// objectionCase returns a SQL expression over tasks t giving the last day
// to object to a result recorded today, with its arguments.
func (s *Store) objectionCase(today sampling.Day) (string, []any) {
	if len(s.policy.Objection.Days) == 0 {
		return "?", []any{s.policy.Objection.Until("", today)}
	}
	var b strings.Builder
	var args []any
	b.WriteString("CASE t.industry")
	for _, ind := range slices.Sorted(maps.Keys(s.policy.Objection.Days)) {
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, ind, s.policy.Objection.Until(ind, today))
	}
	b.WriteString(" ELSE ? END")
	return b.String(), append(args, s.policy.Objection.Until("", today))
}

// supersede replaces old by the new version next (a retest or a
// correction): old is marked superseded, next inserted, and the rollups
// move the batch from old's counts to next's.
func (s *Store) supersede(ctx context.Context, tx *sqlx.Tx, old, next *sampling.ResultVersion, seq int64, deltas rollupDeltas) error {
	var cell taskCell
	if err := tx.GetContext(ctx, &cell, tx.Rebind(`SELECT tier, industry, category, county, inclusion_probability FROM tasks WHERE id = ?`), old.TaskID); err != nil {
		return fmt.Errorf("load task %d: %w", old.TaskID, err)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE results SET state = ? WHERE task_id = ? AND version = ?`), sampling.ResultSuperseded, old.TaskID, old.Version); err != nil {
		return fmt.Errorf("supersede result of task %d: %w", old.TaskID, err)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO results (task_id, version, kind, outcome, tested_on, report_no, failed_items,
		counted_on, state, objection_until, objected_on, reason, recorded_by, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		next.TaskID, next.Version, next.Kind, next.Outcome, next.TestedOn, next.ReportNo, next.FailedItems,
		next.CountedOn, next.State, next.ObjectionUntil, next.ObjectedOn, next.Reason, next.RecordedBy, seq); err != nil {
		return fmt.Errorf("insert version %d of task %d: %w", next.Version, next.TaskID, err)
	}
	deltas.add(old.CountedOn, cell, old.State, old.Outcome, -1)
	deltas.add(next.CountedOn, cell, next.State, next.Outcome, 1)
	return nil
}
