package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"spotcheck/sampling"
)

// commitPlan stores plan, its tasks and its fire-ledger row in one
// transaction, without the locks and policies of Settle: for tests of
// storage (see export_test.go). It returns false, and stores nothing, when the ledger already
// holds this fire: another replica or an earlier run made it. On success it
// fills in the IDs of the plan and its tasks.
func (s *Store) commitPlan(ctx context.Context, plan *sampling.Plan, requestedBy string) (bool, error) {
	created := false
	err := s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		created = false
		fireID, err := insertFire(ctx, tx, Fire{Schedule: plan.Schedule, NominalTime: plan.NominalTime,
			Kind: plan.Kind, Status: sampling.FireMade, RequestedBy: requestedBy})
		if err != nil || fireID == 0 {
			return err
		}
		if err := insertPlan(ctx, tx, fireID, plan, ch); err != nil {
			return err
		}
		created = true
		return numberChange(ctx, tx, ch)
	})
	if err != nil {
		return false, fmt.Errorf("commit plan of %s at %s: %w", plan.Schedule, plan.NominalTime.UTC().Format(time.RFC3339), err)
	}
	return created, nil
}

// insertPlan stores plan and its tasks under the ledger row fireID and fills
// in their IDs. It notes in ch the plan and the task tallies its tasks
// added, the change a snapshot applies (the caller numbers it, see
// numberChange).
func insertPlan(ctx context.Context, tx *sqlx.Tx, fireID int64, plan *sampling.Plan, ch *Change) error {
	if err := tx.QueryRowxContext(ctx, tx.Rebind(`
			INSERT INTO plans (fire_id, schedule, industry, kind, nominal_time, status, algorithm, seed, frame_digest, commitment, frame_size, seed_source, excluded)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, created_at`),
		fireID, plan.Schedule, plan.Industry, plan.Kind, plan.NominalTime.UTC(), plan.Status, plan.Algorithm,
		plan.Seed, plan.FrameDigest, plan.Commitment, plan.FrameSize, plan.SeedSource, plan.Excluded).Scan(&plan.ID, &plan.CreatedAt); err != nil {
		return fmt.Errorf("insert plan: %w", err)
	}
	if err := insertTasks(ctx, tx, plan); err != nil {
		return err
	}
	tallies := tallyDeltas{}
	for _, t := range plan.Tasks {
		tallies[tallyKey{plan.ID, t.Due, t.Tier, plan.Industry, t.County, t.Status, false}]++
	}
	if err := tallies.apply(ctx, tx, ch); err != nil {
		return err
	}
	if len(tallies) == 0 { // no tasks: the plan is noted alone
		if err := notePlans(ctx, tx, ch, []int64{plan.ID}); err != nil {
			return err
		}
	}
	if err := saveInputs(ctx, tx, plan); err != nil {
		return err
	}
	if plan.Inputs != nil {
		return storeSRSInputs(ctx, tx, plan.ID, *plan.Inputs)
	}
	return nil
}

// taskColumns are the columns insertTasks writes, one placeholder each.
const taskColumns = `plan_id, credit_code, enterprise, county, industry, category, tier, inclusion_probability, due, status,
	stratum, quantity_test, quantity_backup`

// insertTasks inserts the plan's tasks and their inspectors, setting each
// task's ID. On PostgreSQL each is one statement whose rows come as arrays
// (unnest): a plan of a thousand tasks and two thousand assignments takes
// two round trips. On SQLite the rows go in statements of many rows each.
// The ids come back with the tasks' unit keys (RETURNING gives no order),
// unique within a plan; a plan that repeats a unit is inserted row by row.
func insertTasks(ctx context.Context, tx *sqlx.Tx, plan *sampling.Plan) error {
	index := make(map[string]int, len(plan.Tasks))
	for i := range plan.Tasks {
		index[plan.Tasks[i].Key()] = i
	}
	switch {
	case len(index) < len(plan.Tasks):
		for i := range plan.Tasks {
			if err := insertTaskRows(ctx, tx, plan, i, i+1, index); err != nil {
				return err
			}
		}
	case tx.DriverName() == Postgres:
		if err := insertTaskArrays(ctx, tx, plan, index); err != nil {
			return err
		}
	default:
		const batch = 1000 / taskWidth
		for start := 0; start < len(plan.Tasks); start += batch {
			if err := insertTaskRows(ctx, tx, plan, start, min(start+batch, len(plan.Tasks)), index); err != nil {
				return err
			}
		}
	}
	var assigned [][]any
	for i := range plan.Tasks {
		t := &plan.Tasks[i]
		for pos, id := range t.Inspectors {
			assigned = append(assigned, []any{t.ID, id, pos})
		}
	}
	if tx.DriverName() == Postgres {
		ids, inspectors, positions := make([]int64, len(assigned)), make([]string, len(assigned)), make([]int64, len(assigned))
		for i, a := range assigned {
			ids[i], inspectors[i], positions[i] = a[0].(int64), a[1].(string), int64(a[2].(int))
		}
		if len(assigned) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_inspectors (task_id, inspector_id, position)
				SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[])`, pq.Array(ids), pq.Array(inspectors), pq.Array(positions)); err != nil {
				return fmt.Errorf("assign inspectors: %w", err)
			}
		}
		return nil
	}
	if err := insertRows(ctx, tx, "task_inspectors (task_id, inspector_id, position)", assigned); err != nil {
		return fmt.Errorf("assign inspectors: %w", err)
	}
	return nil
}

// taskWidth is the number of taskColumns.
const taskWidth = 13

// insertTaskRows inserts plan.Tasks[start:end] in one statement of a row
// each and sets their IDs; index gives each unit key's task, unless the
// statement has one row.
func insertTaskRows(ctx context.Context, tx *sqlx.Tx, plan *sampling.Plan, start, end int, index map[string]int) error {
	chunk := plan.Tasks[start:end]
	args := make([]any, 0, len(chunk)*taskWidth)
	for i := range chunk {
		t := &chunk[i]
		args = append(args, plan.ID, t.CreditCode, t.Enterprise, t.County, plan.Industry,
			t.Category, t.Tier, t.InclusionProbability, t.Due, t.Status, t.Stratum, t.Quantity.Test, t.Quantity.Backup)
	}
	rows, err := tx.QueryxContext(ctx, tx.Rebind(`INSERT INTO tasks (`+taskColumns+`) VALUES `+
		strings.TrimSuffix(strings.Repeat("("+placeholders(taskWidth)+"), ", len(chunk)), ", ")+` RETURNING id, credit_code, category`), args...)
	if err != nil {
		return fmt.Errorf("insert tasks: %w", err)
	}
	if len(chunk) == 1 {
		index = nil
	}
	return readTaskIDs(rows, plan, start, len(chunk), index)
}

// insertTaskArrays inserts the plan's tasks, whose unit keys index gives,
// in one statement on PostgreSQL and sets their IDs.
func insertTaskArrays(ctx context.Context, tx *sqlx.Tx, plan *sampling.Plan, index map[string]int) error {
	n := len(plan.Tasks)
	if n == 0 {
		return nil
	}
	codes, enterprises, counties, categories, tiers := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	dues, statuses, strata := make([]string, n), make([]string, n), make([]string, n)
	pis := make([]float64, n)
	tests, backups := make([]int64, n), make([]int64, n)
	for i := range plan.Tasks {
		t := &plan.Tasks[i]
		codes[i], enterprises[i], counties[i], categories[i], tiers[i] = t.CreditCode, t.Enterprise, t.County, t.Category, t.Tier
		dues[i], statuses[i], strata[i] = string(t.Due), t.Status, t.Stratum
		pis[i], tests[i], backups[i] = t.InclusionProbability, int64(t.Quantity.Test), int64(t.Quantity.Backup)
	}
	rows, err := tx.QueryxContext(ctx, `INSERT INTO tasks (`+taskColumns+`)
		SELECT $1::bigint, code, enterprise, county, $2::text, category, tier, pi, due, status, stratum, test, backup
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::double precision[], $9::text[], $10::text[], $11::text[], $12::integer[], $13::integer[])
			AS t(code, enterprise, county, category, tier, pi, due, status, stratum, test, backup)
		RETURNING id, credit_code, category`,
		plan.ID, plan.Industry, pq.Array(codes), pq.Array(enterprises), pq.Array(counties), pq.Array(categories), pq.Array(tiers),
		pq.Array(pis), pq.Array(dues), pq.Array(statuses), pq.Array(strata), pq.Array(tests), pq.Array(backups))
	if err != nil {
		return fmt.Errorf("insert tasks: %w", err)
	}
	return readTaskIDs(rows, plan, 0, n, index)
}

// readTaskIDs reads the ids of want tasks inserted from plan.Tasks[start:]
// from rows (id, credit code and category each) and sets them: by unit key
// through index, or, with index nil, the one task at start.
func readTaskIDs(rows *sqlx.Rows, plan *sampling.Plan, start, want int, index map[string]int) error {
	n := 0
	for rows.Next() {
		var id int64
		var code, category string
		if err := rows.Scan(&id, &code, &category); err != nil {
			rows.Close()
			return fmt.Errorf("insert tasks: %w", err)
		}
		i := start
		if index != nil {
			var ok bool
			if i, ok = index[code+"/"+category]; !ok {
				rows.Close()
				return fmt.Errorf("insert tasks: the database returned task %d of unit %s/%s, which the plan lacks", id, code, category)
			}
		}
		plan.Tasks[i].ID = id
		n++
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("insert tasks: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert tasks: %w", err)
	}
	if n != want {
		return fmt.Errorf("insert tasks: %d ids returned for %d tasks", n, want)
	}
	return nil
}

// PlanFilter narrows Plans.
type PlanFilter struct {
	ID        int64  // only this plan, when set
	Schedule  string // only this schedule's plans, when set
	Limit     int    // at most this many, newest first; 0 means 100
	WithTasks bool   // load each plan's tasks too
}

const planColumns = `id, schedule, industry, kind, nominal_time, status, algorithm, seed, frame_digest, commitment, frame_size, created_at, seed_source, excluded,
	(SELECT count(*) FROM tasks t WHERE t.plan_id = plans.id) AS task_count`

func scanPlan(row interface{ Scan(...any) error }) (sampling.Plan, error) {
	var p sampling.Plan
	err := row.Scan(&p.ID, &p.Schedule, &p.Industry, &p.Kind, &p.NominalTime, &p.Status, &p.Algorithm,
		&p.Seed, &p.FrameDigest, &p.Commitment, &p.FrameSize, &p.CreatedAt, &p.SeedSource, &p.Excluded, &p.TaskCount)
	return p, err
}

// Plans lists plans newest first.
func (s *Store) Plans(ctx context.Context, f PlanFilter) ([]sampling.Plan, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(`SELECT `+planColumns+` FROM plans
		WHERE (? = '' OR schedule = ?) AND (? = 0 OR id = ?) ORDER BY nominal_time DESC, id DESC LIMIT ?`), f.Schedule, f.Schedule, f.ID, f.ID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	defer rows.Close()
	var plans []sampling.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("list plans: %w", err)
		}
		plans = append(plans, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	if f.WithTasks && len(plans) > 0 {
		// One query for the tasks of every listed plan (at most Limit).
		ids := make([]any, len(plans))
		index := make(map[int64]int, len(plans))
		for i, p := range plans {
			ids[i], index[p.ID] = p.ID, i
		}
		tasks, planIDs, err := s.tasksOfPlans(ctx, `t.plan_id IN (`+placeholders(len(ids))+`) ORDER BY t.id`, ids...)
		if err != nil {
			return nil, err
		}
		for i, t := range tasks {
			p := &plans[index[planIDs[i]]]
			p.Tasks = append(p.Tasks, t)
		}
	}
	return plans, nil
}

// Plan returns the plan with id and its tasks, or ErrNotFound.
func (s *Store) Plan(ctx context.Context, id int64) (sampling.Plan, error) {
	p, err := scanPlan(s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT `+planColumns+` FROM plans WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("plan %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("load plan %d: %w", id, err)
	}
	p.Tasks, err = s.tasks(ctx, `t.plan_id = ?`, id)
	return p, err
}

// PendingTasks returns up to limit tasks of open plans without a result,
// oldest first.
func (s *Store) PendingTasks(ctx context.Context, limit int) ([]sampling.Task, error) {
	return s.tasks(ctx, `t.status = 'assigned' AND NOT `+hasResult+` AND t.plan_id IN (SELECT id FROM plans WHERE status = 'open') ORDER BY t.id LIMIT ?`, limit)
}

// tasks loads tasks matching where (a condition on tasks t, which may end in
// ORDER BY and LIMIT) with their inspectors in assignment order.
func (s *Store) tasks(ctx context.Context, where string, args ...any) ([]sampling.Task, error) {
	tasks, _, err := s.tasksOfPlans(ctx, where, args...)
	return tasks, err
}

// tasksOfPlans is tasks, also returning each task's plan id.
func (s *Store) tasksOfPlans(ctx context.Context, where string, args ...any) ([]sampling.Task, []int64, error) {
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(`
		SELECT t.id, t.plan_id, t.credit_code, t.enterprise, t.county, t.category, t.tier, t.inclusion_probability, t.due, `+taskStatus+`,
			t.stratum, t.quantity_test, t.quantity_backup
		FROM tasks t WHERE `+where), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("load tasks: %w", err)
	}
	defer rows.Close()
	var tasks []sampling.Task
	var planIDs, ids []int64
	for rows.Next() {
		var t sampling.Task
		var planID int64
		if err := rows.Scan(&t.ID, &planID, &t.CreditCode, &t.Enterprise, &t.County, &t.Category, &t.Tier,
			&t.InclusionProbability, &t.Due, &t.Status, &t.Stratum, &t.Quantity.Test, &t.Quantity.Backup); err != nil {
			return nil, nil, fmt.Errorf("load tasks: %w", err)
		}
		tasks, planIDs, ids = append(tasks, t), append(planIDs, planID), append(ids, t.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load tasks: %w", err)
	}
	inspectors, err := s.taskInspectors(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for i := range tasks {
		tasks[i].Inspectors = inspectors[tasks[i].ID]
	}
	return tasks, planIDs, nil
}
