package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// TaskDetail is a task with its plan's state and what has been recorded on
// it.
type TaskDetail struct {
	sampling.Task
	PlanID      int64              `json:"plan_id"`
	PlanStatus  string             `json:"plan_status"`
	Industry    string             `json:"industry"`
	NominalTime time.Time          `json:"nominal_time"`
	Sampling    *sampling.Sampling `json:"sampling,omitempty"`
	Refusal     *sampling.Refusal  `json:"refusal,omitempty"`
	Result      *sampling.Result   `json:"result,omitempty"`
}

// StateError reports a transition that the task's state does not allow.
type StateError struct {
	TaskID int64
	From   string
	To     string
	Err    error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("task %d: cannot become %s: %v", e.TaskID, e.To, e.Err)
}

// FieldsError reports a sampling, refusal or result that was rejected for
// its fields; nothing was stored.
type FieldsError struct {
	Problems []sampling.FieldError
}

func (e *FieldsError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "; ")
}

// TaskFilter selects tasks for TaskDetails.
type TaskFilter struct {
	Inspector string       // only this inspector's tasks, when set
	Statuses  []string     // stored states, "overdue" or "open" (assigned or sampled); any when empty
	DueFrom   sampling.Day // due on or after this day, when set
	DueTo     sampling.Day // due on or before this day, when set
	PlanID    int64        // only this plan's tasks, when set
	TaskID    int64        // only this task, when set
	Limit     int          // at most this many; 0 means 10,000
}

// The task states in SQL are sampling's state machine written out, over
// tasks t: tests check them against sampling.StatusWithResult and
// sampling.TaskStatesDone.
var (
	// taskStatus is the status of tasks t, sampling.StatusWithResult: a
	// task's move to tested is not written to tasks, and TaskEvents shows
	// it from the result. (Tasks tested before this rule keep 'tested'
	// stored.)
	taskStatus = `CASE WHEN ` + madeTested + ` THEN ` + sqlString(sampling.TaskTested) + ` ELSE t.status END`
	// awaiting is true for tasks t that await their result: those a
	// result moves to tested.
	awaiting = `t.status IN (` + sqlStrings(sampling.TaskStatesTo(sampling.TaskTested)) + `)`
	// madeTested is true for the tasks t that a result has made tested
	// though tested is not stored, untested for the tasks awaiting a
	// result without one.
	madeTested = awaiting + ` AND ` + hasResult
	untested   = awaiting + ` AND NOT ` + hasResult
	// taskDone is true for tasks t that are done: they never change.
	taskDone = `t.status IN (` + sqlStrings(sampling.TaskStatesDone()) + `)`
)

// hasResult is true for tasks t with a result.
const hasResult = `EXISTS (SELECT 1 FROM results tr WHERE tr.task_id = t.id)`

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlStrings is ss as a list of SQL string literals.
func sqlStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = sqlString(s)
	}
	return strings.Join(q, ", ")
}

var taskDetailQuery = `
	SELECT t.id, t.plan_id, p.status AS plan_status, p.nominal_time, t.industry, t.credit_code, t.enterprise,
		t.county, t.category, t.tier, t.inclusion_probability, t.due, ` + taskStatus + ` AS status,
		s.sampled_on, s.batch_no, s.quantity, s.seals, f.reason, f.note,
		r.outcome, r.tested_on, r.report_no, r.failed_items
	FROM tasks t JOIN plans p ON p.id = t.plan_id
	LEFT JOIN task_samplings s ON s.task_id = t.id
	LEFT JOIN task_refusals f ON f.task_id = t.id
	LEFT JOIN results r ON r.task_id = t.id AND r.version = (SELECT max(version) FROM results WHERE task_id = t.id)`

// TaskDetails returns the tasks that f selects, by due date, with their
// inspectors and what was reported of them. today decides which tasks are overdue.
func (s *Store) TaskDetails(ctx context.Context, f TaskFilter, today sampling.Day) ([]TaskDetail, error) {
	var where []string
	var args []any
	if f.Inspector != "" {
		where = append(where, `t.id IN (SELECT task_id FROM task_inspectors WHERE inspector_id = ?)`)
		args = append(args, f.Inspector)
	}
	if len(f.Statuses) > 0 {
		var or []string
		for _, st := range f.Statuses {
			switch st {
			case sampling.TaskOverdue:
				or = append(or, `(`+untested+` AND t.due < ?)`)
				args = append(args, today)
			case "open":
				or = append(or, `(`+untested+`)`)
			default:
				or = append(or, taskStatus+` = ?`)
				args = append(args, st)
			}
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	for _, c := range []struct {
		cond string
		v    any
		set  bool
	}{
		{`t.due >= ?`, f.DueFrom, f.DueFrom != ""},
		{`t.due <= ?`, f.DueTo, f.DueTo != ""},
		{`t.plan_id = ?`, f.PlanID, f.PlanID != 0},
		{`t.id = ?`, f.TaskID, f.TaskID != 0},
	} {
		if c.set {
			where = append(where, c.cond)
			args = append(args, c.v)
		}
	}
	q := taskDetailQuery
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 10000
	}
	q += " ORDER BY t.due, t.id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("load tasks: %w", err)
	}
	defer rows.Close()
	var out []TaskDetail
	for rows.Next() {
		var d TaskDetail
		var sampledOn, batchNo, seals, reason, note, outcome, testedOn, reportNo, failedItems sql.NullString
		var quantity sql.NullInt64
		if err := rows.Scan(&d.ID, &d.PlanID, &d.PlanStatus, &d.NominalTime, &d.Industry, &d.CreditCode, &d.Enterprise,
			&d.County, &d.Category, &d.Tier, &d.InclusionProbability, &d.Due, &d.Status,
			&sampledOn, &batchNo, &quantity, &seals, &reason, &note, &outcome, &testedOn, &reportNo, &failedItems); err != nil {
			return nil, fmt.Errorf("load tasks: %w", err)
		}
		if sampledOn.Valid {
			d.Sampling = &sampling.Sampling{SampledOn: sampling.Day(sampledOn.String), BatchNo: batchNo.String, Quantity: int(quantity.Int64),
				Seals: strings.Split(seals.String, "\n")}
		}
		if reason.Valid {
			d.Refusal = &sampling.Refusal{Reason: reason.String, Note: note.String}
		}
		if outcome.Valid {
			d.Result = &sampling.Result{TaskID: d.ID, Outcome: outcome.String, TestedOn: sampling.Day(testedOn.String),
				ReportNo: reportNo.String, FailedItems: failedItems.String}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load tasks: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	inspectors, err := s.taskInspectors(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Inspectors = inspectors[out[i].ID]
	}
	return out, nil
}

// taskInspectors maps each of the tasks to its inspectors in assignment
// order.
func (s *Store) taskInspectors(ctx context.Context, ids []int64) (map[int64][]string, error) {
	m := make(map[int64][]string, len(ids))
	err := inChunks(ids, func(args []any, list string) error {
		var part []struct {
			TaskID      int64  `db:"task_id"`
			InspectorID string `db:"inspector_id"`
		}
		if err := s.db.SelectContext(ctx, &part, s.db.Rebind(`SELECT task_id, inspector_id FROM task_inspectors
			WHERE task_id IN `+list+` ORDER BY task_id, position`), args...); err != nil {
			return fmt.Errorf("load task inspectors: %w", err)
		}
		for _, a := range part {
			m[a.TaskID] = append(m[a.TaskID], a.InspectorID)
		}
		return nil
	})
	return m, err
}

// TaskDetail returns the task with id, or ErrNotFound.
func (s *Store) TaskDetail(ctx context.Context, id int64, today sampling.Day) (TaskDetail, error) {
	ds, err := s.TaskDetails(ctx, TaskFilter{TaskID: id}, today)
	if err != nil {
		return TaskDetail{}, err
	}
	if len(ds) == 0 {
		return TaskDetail{}, fmt.Errorf("task %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

// InspectorTaskIDs returns which of ids are tasks of the inspector.
func (s *Store) InspectorTaskIDs(ctx context.Context, inspector string, ids []int64) (map[int64]bool, error) {
	m := map[int64]bool{}
	err := inChunks(ids, func(args []any, list string) error {
		var found []int64
		if err := s.db.SelectContext(ctx, &found, s.db.Rebind(`SELECT task_id FROM task_inspectors
			WHERE inspector_id = ? AND task_id IN `+list), append([]any{inspector}, args...)...); err != nil {
			return fmt.Errorf("check task owners: %w", err)
		}
		for _, id := range found {
			m[id] = true
		}
		return nil
	})
	return m, err
}

// lockedTask is what a transition reads of its task.
type lockedTask struct {
	Status     string       `db:"status"` // as taskStatus shows it
	Stored     string       `db:"stored"` // as stored
	Result     bool         `db:"with_result"`
	PlanID     int64        `db:"plan_id"`
	Due        sampling.Day `db:"due"`
	Tier       string       `db:"tier"`
	Industry   string       `db:"industry"`
	County     string       `db:"county"`
	PlanStatus string       `db:"plan_status"`
	Nominal    time.Time    `db:"nominal_time"`
}

// lockTask loads a task's status and its plan's for a transition; the
// transaction's write lock (SQLite) or the row lock (PostgreSQL) keeps a
// concurrent transition out until commit.
func (s *Store) lockTask(ctx context.Context, tx *sqlx.Tx, id int64) (lockedTask, error) {
	q := `SELECT ` + taskStatus + ` AS status, t.status AS stored, ` + hasResult + ` AS with_result, t.plan_id, t.due, t.tier, t.industry, t.county, p.status AS plan_status, p.nominal_time
		FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = ?`
	if s.dialect == Postgres {
		q += ` FOR UPDATE OF t`
	}
	var lt lockedTask
	err := tx.QueryRowxContext(ctx, tx.Rebind(q), id).StructScan(&lt)
	if errors.Is(err, sql.ErrNoRows) {
		return lockedTask{}, fmt.Errorf("task %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return lockedTask{}, fmt.Errorf("load task %d: %w", id, err)
	}
	return lt, nil
}

// transition moves task id to state to in one transaction: it checks the
// move, runs record (which stores what the move records), updates the
// status, the task tallies and writes the event.
func (s *Store) transition(ctx context.Context, id int64, to string, now time.Time,
	record func(tx *sqlx.Tx, from string, nominal time.Time) error) error {
	return s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		if to == sampling.TaskRefused {
			if err := s.lockResults(ctx, tx); err != nil {
				return err
			}
		}
		task, err := s.lockTask(ctx, tx, id)
		if err != nil {
			return err
		}
		from := task.Status
		if err := sampling.CheckTransition(from, to); err != nil {
			return &StateError{TaskID: id, From: from, To: to, Err: err}
		}
		if task.PlanStatus != sampling.PlanOpen {
			return &StateError{TaskID: id, From: from, To: to, Err: fmt.Errorf("its plan is %s", task.PlanStatus)}
		}
		if record != nil {
			if err := record(tx, from, task.Nominal); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE tasks SET status = ? WHERE id = ?`), to, id); err != nil {
			return fmt.Errorf("update task %d: %w", id, err)
		}
		if err := insertTaskEvent(ctx, tx, id, from, to, actorOf(ctx), now); err != nil {
			return err
		}
		tallies := tallyDeltas{}
		tallies.move(tallyKey{plan: task.PlanID, due: task.Due, tier: task.Tier, industry: task.Industry, county: task.County},
			task.Stored, task.Result, to, task.Result, 1)
		if err := tallies.apply(ctx, tx, ch); err != nil {
			return err
		}
		return numberChange(ctx, tx, ch)
	})
}

// insertTaskEvent records a transition of a task by actor at at; a zero at
// means the database's clock.
func insertTaskEvent(ctx context.Context, tx *sqlx.Tx, id int64, from, to, actor string, at time.Time) error {
	q, args := `INSERT INTO task_events (task_id, from_status, to_status, actor, at) VALUES (?, ?, ?, ?, ?)`, []any{id, from, to, actor, at.UTC()}
	if at.IsZero() {
		q, args = `INSERT INTO task_events (task_id, from_status, to_status, actor) VALUES (?, ?, ?, ?)`, args[:4]
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
		return fmt.Errorf("record event of task %d: %w", id, err)
	}
	return nil
}

// RecordSampling records that task id was sampled: assigned → sampled. A
// rejected sampling returns a *StateError or *FieldsError and stores nothing.
func (s *Store) RecordSampling(ctx context.Context, id int64, sm sampling.Sampling, now time.Time, loc *time.Location) error {
	return s.transition(ctx, id, sampling.TaskSampled, now, func(tx *sqlx.Tx, _ string, nominal time.Time) error {
		if problems := sm.Check(sampling.Today(now, loc), sampling.DayOf(nominal, loc)); len(problems) > 0 {
			return &FieldsError{Problems: problems}
		}
		for i := range sm.Seals {
			sm.Seals[i] = strings.TrimSpace(sm.Seals[i])
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`
			INSERT INTO task_samplings (task_id, sampled_on, batch_no, quantity, seals, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), id, sm.SampledOn, strings.TrimSpace(sm.BatchNo), sm.Quantity,
			strings.Join(sm.Seals, "\n"), actorOf(ctx), now.UTC()); err != nil {
			return fmt.Errorf("record sampling of task %d: %w", id, err)
		}
		return nil
	})
}

// RecordRefusal records that task id's enterprise was not sampled, and
// why: assigned → refused.
func (s *Store) RecordRefusal(ctx context.Context, id int64, r sampling.Refusal, now time.Time) error {
	return s.transition(ctx, id, sampling.TaskRefused, now, func(tx *sqlx.Tx, _ string, _ time.Time) error {
		if problems := r.Check(); len(problems) > 0 {
			return &FieldsError{Problems: problems}
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`
			INSERT INTO task_refusals (task_id, reason, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)`),
			id, r.Reason, strings.TrimSpace(r.Note), actorOf(ctx), now.UTC()); err != nil {
			return fmt.Errorf("record refusal of task %d: %w", id, err)
		}
		return nil
	})
}

// CloseTask closes tested task id: tested → closed.
func (s *Store) CloseTask(ctx context.Context, id int64, now time.Time) error {
	return s.transition(ctx, id, sampling.TaskClosed, now, nil)
}

// TaskEvents returns task id's transitions, oldest first. The move to
// tested is not stored as an event (see taskStatus): it is the task's first
// result, by whoever recorded it, between sampling and closing.
func (s *Store) TaskEvents(ctx context.Context, id int64) ([]sampling.TaskEvent, error) {
	var rows []struct {
		From  string    `db:"from_status"`
		To    string    `db:"to_status"`
		Actor string    `db:"actor"`
		At    time.Time `db:"at"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT from_status, to_status, actor, at
		FROM task_events WHERE task_id = ? ORDER BY id`), id); err != nil {
		return nil, fmt.Errorf("load events of task %d: %w", id, err)
	}
	var out []sampling.TaskEvent
	tested := false
	for _, r := range rows {
		tested = tested || r.To == sampling.TaskTested
		out = append(out, sampling.TaskEvent{TaskID: id, From: r.From, To: r.To, Actor: r.Actor, At: r.At})
	}
	if tested {
		return out, nil
	}
	var first []struct {
		Actor string    `db:"recorded_by"`
		At    time.Time `db:"recorded_at"`
	}
	if err := s.db.SelectContext(ctx, &first, s.db.Rebind(`SELECT recorded_by, recorded_at FROM results WHERE task_id = ? AND version = 1`), id); err != nil {
		return nil, fmt.Errorf("load result of task %d: %w", id, err)
	}
	if len(first) == 0 {
		return out, nil
	}
	// Only sampling comes before the result; only closing comes after it.
	at := len(out)
	from := sampling.TaskAssigned
	for i, e := range out {
		if e.To == sampling.TaskSampled {
			from = sampling.TaskSampled
		}
		if e.From == sampling.TaskTested {
			at = i
			break
		}
	}
	e := sampling.TaskEvent{TaskID: id, From: from, To: sampling.TaskTested, Actor: first[0].Actor, At: first[0].At}
	return slices.Insert(out, at, e), nil
}

// Reasons a plan closed.
const (
	ClosedDone = "all tasks closed or refused"
	ClosedDue  = "due date passed"
)

// ClosePlans closes the open plans whose tasks are all closed or refused, or
// whose last due date is before today, and returns their ids; the tasks of
// a closed plan without a result lapse. Concurrent callers close each plan
// once.
func (s *Store) ClosePlans(ctx context.Context, today sampling.Day, now time.Time) ([]int64, error) {
	var due []struct {
		ID   int64 `db:"id"`
		Done bool  `db:"done"`
	}
	day := today
	// The open plans' task tallies answer without reading their tasks.
	if err := s.db.SelectContext(ctx, &due, s.db.Rebind(`
		SELECT p.id, NOT EXISTS (SELECT 1 FROM task_tallies t WHERE t.plan_id = p.id AND t.n > 0 AND NOT `+taskDone+`) AS done
		FROM plans p
		WHERE p.status = 'open' AND (
			NOT EXISTS (SELECT 1 FROM task_tallies t WHERE t.plan_id = p.id AND t.n > 0 AND NOT `+taskDone+`)
			OR (SELECT max(due) FROM task_tallies t WHERE t.plan_id = p.id AND t.n > 0) < ?)
		ORDER BY p.id`), day); err != nil {
		return nil, fmt.Errorf("find plans to close: %w", err)
	}
	var closed []int64
	for _, p := range due {
		reason := ClosedDue
		if p.Done {
			reason = ClosedDone
		}
		err := s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
			// No result may come in for the plan while it closes: its
			// tasks' statuses are final from here on.
			if err := s.lockResults(ctx, tx); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE plans SET status = 'closed' WHERE id = ? AND status = 'open'`), p.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // closed by another replica meanwhile
			}
			// A closed plan's tasks no longer change: store the status that
			// taskStatus derives, so that TaskCounts need not derive it.
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE tasks AS t SET status = ? WHERE t.plan_id = ? AND `+madeTested), sampling.TaskTested, p.ID); err != nil {
				return err
			}
			// The tasks left without a result lapse: they are no longer
			// open, nor overdue.
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO task_events (task_id, from_status, to_status, actor, at)
				SELECT t.id, t.status, `+sqlString(sampling.TaskLapsed)+`, ?, ? FROM tasks t WHERE t.plan_id = ? AND `+untested), actorOf(ctx), now.UTC(), p.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE tasks AS t SET status = ? WHERE t.plan_id = ? AND `+untested), sampling.TaskLapsed, p.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO plan_closures (plan_id, closed_at, reason) VALUES (?, ?, ?)`),
				p.ID, now.UTC(), reason); err != nil {
				return err
			}
			if err := tallyPlan(ctx, tx, ch, p.ID); err != nil {
				return err
			}
			closed = append(closed, p.ID)
			return numberChange(ctx, tx, ch)
		})
		if err != nil {
			return closed, fmt.Errorf("close plan %d: %w", p.ID, err)
		}
	}
	return closed, nil
}

// PlanClosure returns when and why plan id closed, or ErrNotFound while it
// is open.
func (s *Store) PlanClosure(ctx context.Context, id int64) (time.Time, string, error) {
	var row struct {
		At     time.Time `db:"closed_at"`
		Reason string    `db:"reason"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT closed_at, reason FROM plan_closures WHERE plan_id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", fmt.Errorf("closure of plan %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("load closure of plan %d: %w", id, err)
	}
	return row.At, row.Reason, nil
}

// PlanClosures maps each of the plans ids that has closed to when it
// closed.
func (s *Store) PlanClosures(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	m := make(map[int64]time.Time, len(ids))
	err := inChunks(ids, func(args []any, list string) error {
		var rows []struct {
			PlanID int64     `db:"plan_id"`
			At     time.Time `db:"closed_at"`
		}
		if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT plan_id, closed_at FROM plan_closures WHERE plan_id IN `+list), args...); err != nil {
			return fmt.Errorf("load plan closures: %w", err)
		}
		for _, r := range rows {
			m[r.PlanID] = r.At
		}
		return nil
	})
	return m, err
}

// InspectorNames maps every inspector's id to its name.
func (s *Store) InspectorNames(ctx context.Context) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, name FROM inspectors`); err != nil {
		return nil, fmt.Errorf("load inspector names: %w", err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Name
	}
	return m, nil
}
