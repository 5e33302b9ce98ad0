package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// DrawRecord loads what a draw of design at nominal time starts from, as
// Settle does inside its transaction: for a dry run, which stores nothing.
// The caller adds the schedule, kind and seed.
func (s *Store) DrawRecord(ctx context.Context, d sampling.Design, nominal time.Time) (sampling.DrawRecord, error) {
	return drawRecord(ctx, s.db, d, nominal, false)
}

// drawRecord loads with q what a draw of design at nominal time starts
// from: the industry's active units, each unit's last inspection with its
// result, the results of the sampling.RecentDays before nominal by county
// and category, and the active inspectors. With digest, for a fire that
// stores the population it drew from, the population's digest is computed
// while the units are read (sampling.Ahead).
func drawRecord(ctx context.Context, q queryer, d sampling.Design, nominal time.Time, digest bool) (sampling.DrawRecord, error) {
	rec := sampling.DrawRecord{NominalTime: nominal, Design: d}
	var err error
	if rec.Units, err = population(ctx, q, d.Industry, digest); err != nil {
		return rec, err
	}
	if rec.History, err = history(ctx, q, d.Industry); err != nil {
		return rec, err
	}
	since := sampling.DayOf(nominal, time.UTC).AddDays(-sampling.RecentDays)
	if err := sqlx.SelectContext(ctx, q, &rec.Recent, q.Rebind(`
		SELECT t.county, t.category, count(*) AS tested, sum(CASE WHEN r.outcome = 'fail' THEN 1 ELSE 0 END) AS failed
		FROM results r JOIN tasks t ON t.id = r.task_id
		WHERE t.industry = ? AND r.tested_on >= ? AND r.state <> 'superseded'
		GROUP BY t.county, t.category ORDER BY t.county, t.category`), d.Industry, since); err != nil {
		return rec, fmt.Errorf("load recent results of %s: %w", d.Industry, err)
	}
	if rec.Inspectors, err = inspectors(ctx, q); err != nil {
		return rec, err
	}
	return rec, nil
}

// historyRow is a unit's last inspection as plan_history stores it.
type historyRow struct {
	CreditCode string    `db:"credit_code"`
	Category   string    `db:"category"`
	TaskID     int64     `db:"task_id"`
	DrawnAt    time.Time `db:"drawn_at"`
	Outcome    string    `db:"outcome"`
}

func (r historyRow) history() sampling.History {
	return sampling.History{CreditCode: r.CreditCode, Category: r.Category, TaskID: r.TaskID, Time: r.DrawnAt.UTC(), Outcome: r.Outcome}
}

// NameTasks fills in the enterprise names of tasks from the registry, as
// Settle does inside its transaction: for a dry run.
func (s *Store) NameTasks(ctx context.Context, tasks []sampling.Task) error {
	return nameTasks(ctx, s.db, tasks)
}

// nameTasks fills in the enterprise names of tasks with q.
func nameTasks(ctx context.Context, q queryer, tasks []sampling.Task) error {
	codes := make([]string, len(tasks))
	for i, t := range tasks {
		codes[i] = t.CreditCode
	}
	names := map[string]string{}
	err := inChunks(codes, func(args []any, list string) error {
		var rows []struct {
			Code string `db:"credit_code"`
			Name string `db:"name"`
		}
		if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT credit_code, name FROM enterprises WHERE credit_code IN `+list), args...); err != nil {
			return fmt.Errorf("load enterprise names: %w", err)
		}
		for _, r := range rows {
			names[r.Code] = r.Name
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range tasks {
		tasks[i].Enterprise = names[tasks[i].CreditCode]
	}
	return nil
}

// history returns each unit's newest task in industry (by the plan's
// nominal time, then task id) with its result, if any.
func history(ctx context.Context, q queryer, industry string) ([]sampling.History, error) {
	var rows []historyRow
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`
		SELECT t.credit_code, t.category, t.id AS task_id, p.nominal_time AS drawn_at, COALESCE(r.outcome, '') AS outcome
		FROM tasks t JOIN plans p ON p.id = t.plan_id LEFT JOIN results r ON r.task_id = t.id AND r.state <> 'superseded'
		WHERE t.industry = ?`), industry); err != nil {
		return nil, fmt.Errorf("load inspection history of %s: %w", industry, err)
	}
	type key struct{ code, category string }
	last := map[key]int{}
	var out []sampling.History
	for _, r := range rows {
		h := r.history()
		k := key{r.CreditCode, r.Category}
		i, ok := last[k]
		switch {
		case !ok:
			last[k] = len(out)
			out = append(out, h)
		case cmp.Or(h.Time.Compare(out[i].Time), cmp.Compare(h.TaskID, out[i].TaskID)) > 0:
			out[i] = h
		}
	}
	return out, nil
}

// planInputs is the JSON of plans.inputs.
type planInputs struct {
	Design     sampling.Design      `json:"design"`
	Recent     []sampling.CellCount `json:"recent,omitempty"`
	Inspectors []sampling.Inspector `json:"inspectors"`
}

// saveInputs stores what plan was drawn from, when the plan carries it: the
// population (once per distinct population), the history that shaped the
// frame, and the design, recent counts and inspectors as JSON.
func saveInputs(ctx context.Context, tx *sqlx.Tx, plan *sampling.Plan) error {
	rec := plan.Record
	if rec == nil {
		return nil
	}
	popID, err := savePopulation(ctx, tx, rec.Design.Industry, rec.Compact())
	if err != nil {
		return err
	}
	inputs, err := json.Marshal(planInputs{Design: rec.Design, Recent: rec.Recent, Inspectors: rec.Inspectors})
	if err != nil {
		return fmt.Errorf("encode inputs: %w", err)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE plans SET population_id = ?, inputs = ? WHERE id = ?`),
		popID, string(inputs), plan.ID); err != nil {
		return fmt.Errorf("store inputs: %w", err)
	}
	rows := make([][]any, len(rec.History))
	for i, h := range rec.History {
		rows[i] = []any{plan.ID, h.CreditCode, h.Category, h.TaskID, h.Time.UTC(), h.Outcome}
	}
	if err := insertRows(ctx, tx, "plan_history (plan_id, credit_code, category, task_id, drawn_at, outcome)", rows); err != nil {
		return fmt.Errorf("store history: %w", err)
	}
	return nil
}

// insertRows inserts rows into table (a name with its column list) in
// statements of up to 1,000 parameters each: one round trip per statement
// rather than per row.
func insertRows(ctx context.Context, tx *sqlx.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	batch := max(1000/width, 1)
	row := "(" + placeholders(width) + ")"
	args := make([]any, 0, batch*width)
	for start := 0; start < len(rows); start += batch {
		chunk := rows[start:min(start+batch, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := tx.Rebind(`INSERT INTO ` + table + ` VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", "))
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoRecord reports a plan stored without the inputs of its draw: made by
// an earlier version of spotcheck, it cannot be re-derived.
var ErrNoRecord = errors.New("no stored draw inputs")

// PlanRecord returns the stored plan with id and the record of its draw,
// rebuilt from stored data only: the population snapshot, the history that
// shaped the frame, and the stored design, counts and inspectors.
func (s *Store) PlanRecord(ctx context.Context, id int64) (sampling.Plan, sampling.DrawRecord, error) {
	plan, err := s.Plan(ctx, id)
	if err != nil {
		return plan, sampling.DrawRecord{}, err
	}
	rec, err := s.RecordOf(ctx, plan)
	return plan, rec, err
}

// RecordOf returns the stored draw record of plan, loaded already (its
// tasks need not be); see PlanRecord.
func (s *Store) RecordOf(ctx context.Context, plan sampling.Plan) (sampling.DrawRecord, error) {
	id := plan.ID
	var row struct {
		PopulationID sql.NullInt64 `db:"population_id"`
		Inputs       string        `db:"inputs"`
	}
	if err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT population_id, inputs FROM plans WHERE id = ?`), id); err != nil {
		return sampling.DrawRecord{}, fmt.Errorf("load inputs of plan %d: %w", id, err)
	}
	if !row.PopulationID.Valid {
		return sampling.DrawRecord{}, fmt.Errorf("plan %d (algorithm %s): %w", id, plan.Algorithm, ErrNoRecord)
	}
	var in planInputs
	if err := json.Unmarshal([]byte(row.Inputs), &in); err != nil {
		return sampling.DrawRecord{}, fmt.Errorf("plan %d: decode inputs: %w", id, err)
	}
	seed, _ := hex.DecodeString(plan.Seed) // a bad seed shows as a difference
	rec := sampling.DrawRecord{
		Schedule: plan.Schedule, Kind: plan.Kind, NominalTime: plan.NominalTime.UTC(),
		Seed:   sampling.Seed{Bytes: seed, Source: plan.SeedSource},
		Design: in.Design, Recent: in.Recent, Inspectors: in.Inspectors,
	}
	var err error
	if rec.Population, err = loadPopulation(ctx, s.db, row.PopulationID.Int64, in.Design.Industry); err != nil {
		return rec, fmt.Errorf("plan %d: %w", id, err)
	}
	var hist []historyRow
	if err := s.db.SelectContext(ctx, &hist, s.db.Rebind(`
		SELECT credit_code, category, task_id, drawn_at, outcome FROM plan_history WHERE plan_id = ?`), id); err != nil {
		return rec, fmt.Errorf("load history of plan %d: %w", id, err)
	}
	for _, h := range hist {
		rec.History = append(rec.History, h.history())
	}
	return rec, nil
}
