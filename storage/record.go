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

// stageColumns are the columns of result_stage, in COPY order.
var stageColumns = []string{"idx", "task_id", "outcome", "tested_on", "report_no", "failed_items", "retest", "idem_key", "tested_end"}

func (s *Store) createStage(ctx context.Context, tx *sqlx.Tx) error {
	ddl := `CREATE TEMP TABLE result_stage (
		idx INTEGER NOT NULL, task_id BIGINT NOT NULL, outcome TEXT NOT NULL, tested_on TEXT NOT NULL,
		report_no TEXT NOT NULL, failed_items TEXT NOT NULL, retest INTEGER NOT NULL, idem_key TEXT,
		tested_end TIMESTAMPTZ NOT NULL)`
	if s.dialect == Postgres {
		ddl += ` ON COMMIT DROP`
	} else if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.result_stage`); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	return nil
}

// fillStage loads results[i] for each i in idx into the staging table.
// testedEnd is the first instant after the test day in the service's zone.
func (s *Store) fillStage(ctx context.Context, tx *sqlx.Tx, results []sampling.Result, keys []string, idx []int, loc *time.Location) error {
	query := tx.Rebind(`INSERT INTO result_stage (` + strings.Join(stageColumns, ", ") + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if s.dialect == Postgres {
		query = pq.CopyIn("result_stage", stageColumns...)
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return fmt.Errorf("stage results: %w", err)
	}
	defer stmt.Close()
	ends := map[string]time.Time{} // a batch has few distinct test days
	for _, i := range idx {
		r := results[i]
		var key any
		if keys != nil && keys[i] != "" {
			key = keys[i]
		}
		retest := 0
		if r.Retest {
			retest = 1
		}
		end, ok := ends[r.TestedOn]
		if !ok {
			day, _ := time.ParseInLocation(time.DateOnly, r.TestedOn, loc) // checked by checkResult
			end = day.AddDate(0, 0, 1).UTC()
			ends[r.TestedOn] = end
		}
		if _, err := stmt.ExecContext(ctx, i, r.TaskID, r.Outcome, r.TestedOn, r.ReportNo, r.FailedItems, retest, key, end); err != nil {
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
	return nil
}

// planCheck is a staged row whose task is unknown, or whose plan is closed
// or later than its test.
type planCheck struct {
	Idx         int          `db:"idx"`
	Unknown     bool         `db:"unknown"`
	PlanStatus  string       `db:"plan_status"`
	NominalTime sql.NullTime `db:"nominal_time"`
}

// keyUse is a stored result that already carries a staged row's key.
type keyUse struct {
	Idx    int   `db:"idx"`
	TaskID int64 `db:"task_id"`
}

// validateStage checks the staged rows set-wise and decides, for each, to
// store it as a first result, as a retest, or to skip it as a retry. It
// returns the problems found and the existing versions of touched tasks.
func (s *Store) validateStage(ctx context.Context, tx *sqlx.Tx, results []sampling.Result, keys []string, idx []int, loc *time.Location) (
	problems []Problem, firsts []int, retests []int, versions map[int64][]ResultVersion, err error) {
	before := `p.nominal_time >= s.tested_end`
	if s.dialect == SQLite {
		before = `julianday(p.nominal_time) >= julianday(s.tested_end)`
	}
	// One pass finds unknown tasks, closed plans and tests before the plan.
	var plans []planCheck
	if err := tx.SelectContext(ctx, &plans, `SELECT s.idx, t.id IS NULL AS unknown, COALESCE(p.status, '') AS plan_status, p.nominal_time
		FROM result_stage s LEFT JOIN tasks t ON t.id = s.task_id LEFT JOIN plans p ON p.id = t.plan_id
		WHERE t.id IS NULL OR p.status <> 'open' OR `+before); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("check tasks and plans: %w", err)
	}
	var stored []ResultVersion
	if err := tx.SelectContext(ctx, &stored, `SELECT `+versionColumns+` FROM results
		WHERE task_id IN (SELECT task_id FROM result_stage) ORDER BY task_id, version`); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("load stored results: %w", err)
	}
	versions = map[int64][]ResultVersion{}
	for _, v := range stored {
		versions[v.TaskID] = append(versions[v.TaskID], v)
	}
	var keyed []keyUse
	if keys != nil {
		if err := tx.SelectContext(ctx, &keyed, `SELECT s.idx, r.task_id FROM result_stage s JOIN results r ON r.idempotency_key = s.idem_key`); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("check idempotency keys: %w", err)
		}
	}

	// A refused task takes no result (a retest of a tested one is fine).
	var refusedIdx []int
	if err := tx.SelectContext(ctx, &refusedIdx, tx.Rebind(`SELECT s.idx FROM result_stage s JOIN tasks t ON t.id = s.task_id WHERE t.status = ?`),
		sampling.TaskRefused); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("check refused tasks: %w", err)
	}
	refused := map[int]bool{}
	for _, i := range refusedIdx {
		refused[i] = true
	}
	planOf := map[int]planCheck{}
	for _, p := range plans {
		planOf[p.Idx] = p
	}
	keyOf := map[int]keyUse{}
	for _, k := range keyed {
		keyOf[k.Idx] = k
	}
	bad := func(i int, field, format string, args ...any) {
		problems = append(problems, Problem{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	conflict := func(i int, field, format string, args ...any) {
		problems = append(problems, Problem{Index: i, Field: field, Conflict: true, Reason: fmt.Sprintf(format, args...)})
	}
	for _, i := range idx {
		r := results[i]
		if p, ok := planOf[i]; ok && p.Unknown {
			bad(i, "task_id", "no task %d", r.TaskID)
			continue
		}
		vs := versions[r.TaskID]
		if slices.ContainsFunc(vs, func(v ResultVersion) bool { return v.sameContent(r) }) {
			continue // already stored: a retry
		}
		if k, ok := keyOf[i]; ok {
			bad(i, "Idempotency-Key", "key was already used for a different result (task %d)", k.TaskID)
			continue
		}
		if p, ok := planOf[i]; ok {
			if p.PlanStatus != sampling.PlanOpen {
				bad(i, "task_id", "task %d belongs to a plan that is %s, not open", r.TaskID, p.PlanStatus)
			} else {
				bad(i, "tested_on", "%s is before the task's plan was made (%s)", r.TestedOn, p.NominalTime.Time.In(loc).Format(time.DateOnly))
			}
			continue
		}
		if !r.Retest {
			if eff := effective(vs); eff != nil {
				conflict(i, "task_id", "task %d already has a different result (%s on %s); a re-inspection on objection is recorded as a retest, a mistake is fixed with spotcheck result correct",
					r.TaskID, eff.Outcome, eff.TestedOn)
				continue
			}
			if refused[i] {
				bad(i, "task_id", "task %d: %v", r.TaskID, sampling.CheckTransition(sampling.TaskRefused, sampling.TaskTested))
				continue
			}
			firsts = append(firsts, i)
			continue
		}
		eff := effective(vs)
		switch {
		case eff == nil:
			bad(i, "retest", "task %d has no result to retest", r.TaskID)
		case retested(vs):
			conflict(i, "retest", "task %d was already retested (%s on %s); a batch is retested once", r.TaskID, eff.Outcome, eff.TestedOn)
		case eff.State == StateFinal:
			conflict(i, "retest", "the objection period of task %d's result ended on %s; it is final", r.TaskID, eff.ObjectionUntil)
		case r.TestedOn < eff.TestedOn:
			bad(i, "tested_on", "the retest on %s is before the result it retests (%s)", r.TestedOn, eff.TestedOn)
		default:
			retests = append(retests, i)
		}
	}
	return problems, firsts, retests, versions, nil
}

// effective returns the version that counts: the one not superseded.
func effective(vs []ResultVersion) *ResultVersion {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].State != StateSuperseded {
			return &vs[i]
		}
	}
	return nil
}

// recordResults stores results, keyed when keys is not nil, in one
// transaction; see RecordResults.
func (s *Store) recordResults(ctx context.Context, results []sampling.Result, keys []string, today time.Time) (int, error) {
	loc := today.Location()
	var problems []Problem
	seen := map[int64]int{}
	var staged []int
	for i, r := range results {
		if j, ok := seen[r.TaskID]; ok {
			if results[j] != r {
				problems = append(problems, Problem{Index: i, Field: "task_id", Conflict: true,
					Reason: fmt.Sprintf("task %d has a different result earlier in the same batch (result %d)", r.TaskID, j+1)})
			}
			continue
		}
		seen[r.TaskID] = i
		if p := checkResult(r, today); p.Field != "" {
			p.Index = i
			problems = append(problems, p)
			continue
		}
		staged = append(staged, i)
	}
	stored := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var firsts, retests []int
		var versions map[int64][]ResultVersion
		if len(staged) > 0 {
			if s.dialect == Postgres && len(staged) > 10_000 {
				// Hash joins and the rollup aggregate of a large import
				// fit in memory instead of spilling to disk in batches.
				if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`); err != nil {
					return fmt.Errorf("set work_mem: %w", err)
				}
			}
			if err := s.createStage(ctx, tx); err != nil {
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
			if err := s.storeStaged(ctx, tx, results, staged, firsts, retests, versions, today); err != nil {
				return err
			}
		}
		stored = len(firsts) + len(retests)
		if len(staged) > 0 && s.dialect == SQLite {
			if _, err := tx.ExecContext(ctx, `DROP TABLE temp.result_stage`); err != nil {
				return fmt.Errorf("drop staging table: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// storeStaged moves the validated rows into results: first results set-wise
// from the staging table, retests one by one; then rollups, task states and
// the audit entry.
func (s *Store) storeStaged(ctx context.Context, tx *sqlx.Tx, results []sampling.Result, staged, firsts, retests []int,
	versions map[int64][]ResultVersion, today time.Time) error {
	actor := actorOf(ctx)
	var retested, superseded []ResultVersion
	for _, i := range retests {
		r := results[i]
		vs := versions[r.TaskID]
		eff := effective(vs)
		superseded = append(superseded, *eff)
		retested = append(retested, ResultVersion{TaskID: r.TaskID, Version: vs[len(vs)-1].Version + 1, Kind: KindRetest, Outcome: r.Outcome,
			TestedOn: r.TestedOn, ReportNo: r.ReportNo, FailedItems: r.FailedItems, CountedOn: eff.CountedOn, State: StateFinal, RecordedBy: actor})
	}
	// The digest takes the new versions in task order: the first results
	// (version 1, a million in a large import, so not copied into versions)
	// merged with the retests (never of the same task).
	byTask := func(a, b int) int { return cmp.Compare(results[a].TaskID, results[b].TaskID) }
	if !slices.IsSortedFunc(firsts, byTask) {
		firsts = slices.Clone(firsts)
		slices.SortFunc(firsts, byTask)
	}
	slices.SortFunc(retested, func(a, b ResultVersion) int { return cmp.Compare(a.TaskID, b.TaskID) })
	n := len(firsts) + len(retested)
	var listed []ResultVersion
	dg := newDigester()
	var v ResultVersion
	for fi, ri := 0, 0; fi+ri < n; {
		if ri < len(retested) && (fi == len(firsts) || retested[ri].TaskID < results[firsts[fi]].TaskID) {
			v = retested[ri]
			ri++
		} else {
			r := results[firsts[fi]]
			v = ResultVersion{TaskID: r.TaskID, Version: 1, Kind: KindFirst, Outcome: r.Outcome, TestedOn: r.TestedOn,
				ReportNo: r.ReportNo, FailedItems: r.FailedItems, CountedOn: r.TestedOn, State: StateProvisional, RecordedBy: actor}
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
	after := recordAfter{auditDigest: dg.record(), ObjectionUntil: s.objectionUntil("", today), ByIndustry: map[string]string{}, Results: listed}
	for ind := range s.policy.ObjectionDays {
		after.ByIndustry[ind] = s.objectionUntil(ind, today)
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
		// Retests and retries leave the staging table; the first results
		// that remain move over set-wise.
		if len(firsts) < len(staged) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM result_stage WHERE EXISTS (SELECT 1 FROM results r WHERE r.task_id = result_stage.task_id)`); err != nil {
				return fmt.Errorf("drop retries from staging: %w", err)
			}
		}
		deadline, args := s.objectionCase(today)
		args = append(args, actor, seq)
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO results (task_id, version, kind, outcome, tested_on, report_no, failed_items,
			counted_on, idempotency_key, state, objection_until, recorded_by, audit_seq)
			SELECT s.task_id, 1, 'first', s.outcome, s.tested_on, s.report_no, s.failed_items, s.tested_on, s.idem_key, 'provisional', `+deadline+`, ?, ?
			FROM result_stage s JOIN tasks t ON t.id = s.task_id WHERE true`), args...); err != nil {
			return fmt.Errorf("insert results: %w", err)
		}
		if err := upsertRollupsFrom(ctx, tx, rollupSelect("s.tested_on", "'provisional'", "s.outcome", "",
			`FROM result_stage s JOIN tasks t ON t.id = s.task_id WHERE true`)); err != nil {
			return fmt.Errorf("update rollups: %w", err)
		}
		// Each task's move to tested is a lifecycle event, like the others.
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO task_events (task_id, from_status, to_status, actor)
			SELECT s.task_id, t.status, ?, ? FROM result_stage s JOIN tasks t ON t.id = s.task_id WHERE t.status <> ?`),
			sampling.TaskTested, actor, sampling.TaskTested); err != nil {
			return fmt.Errorf("record task events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE tasks SET status = ? WHERE id IN (SELECT task_id FROM result_stage) AND status <> ?`),
			sampling.TaskTested, sampling.TaskTested); err != nil {
			return fmt.Errorf("mark tasks tested: %w", err)
		}
	}
	deltas := rollupDeltas{}
	for _, v := range retested {
		eff := effective(versions[v.TaskID])
		if err := s.supersede(ctx, tx, eff, &v, seq, deltas); err != nil {
			return err
		}
	}
	return deltas.apply(ctx, tx)
}

// maxAuditRows is how many created versions an audit entry lists in full;
// larger batches are recorded by count and digest only.
const maxAuditRows = 20

// recordAfter is the "after" of a results.record audit entry.
type recordAfter struct {
	auditDigest
	ObjectionUntil string            `json:"objection_until"`
	ByIndustry     map[string]string `json:"objection_until_by_industry,omitempty"`
	Results        []ResultVersion   `json:"results,omitempty"`
}

// objectionCase returns a SQL expression over tasks t giving the last day
// to object to a result recorded today, with its arguments.
func (s *Store) objectionCase(today time.Time) (string, []any) {
	if len(s.policy.ObjectionDays) == 0 {
		return "?", []any{s.objectionUntil("", today)}
	}
	var b strings.Builder
	var args []any
	b.WriteString("CASE t.industry")
	for _, ind := range slices.Sorted(maps.Keys(s.policy.ObjectionDays)) {
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, ind, s.objectionUntil(ind, today))
	}
	b.WriteString(" ELSE ? END")
	return b.String(), append(args, s.objectionUntil("", today))
}

// supersede replaces old by the new version next (a retest or a
// correction): old is marked superseded, next inserted, and the rollups
// move the batch from old's counts to next's.
func (s *Store) supersede(ctx context.Context, tx *sqlx.Tx, old, next *ResultVersion, seq int64, deltas rollupDeltas) error {
	var cell taskCell
	if err := tx.GetContext(ctx, &cell, tx.Rebind(`SELECT tier, industry, category, county, inclusion_probability FROM tasks WHERE id = ?`), old.TaskID); err != nil {
		return fmt.Errorf("load task %d: %w", old.TaskID, err)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE results SET state = ? WHERE id = ?`), StateSuperseded, old.ID); err != nil {
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
