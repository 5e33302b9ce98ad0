package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// rollupKey is one rollup row: a day, the task's cell and provisional or
// final.
type rollupKey struct {
	day                              sampling.Day
	tier, industry, category, county string
	state                            sampling.ResultState
}

type rollupDelta struct {
	tested, failed   int
	wTested, wFailed float64
}

// taskCell is what a rollup needs of a task.
type taskCell struct {
	Tier                 string  `db:"tier"`
	Industry             string  `db:"industry"`
	Category             string  `db:"category"`
	County               string  `db:"county"`
	InclusionProbability float64 `db:"inclusion_probability"`
}

// rollupDeltas collects changes to rollups within one transaction.
type rollupDeltas map[rollupKey]*rollupDelta

// add counts (sign 1) or uncounts (sign -1) one batch.
func (d rollupDeltas) add(day sampling.Day, c taskCell, state sampling.ResultState, outcome string, sign int) {
	if state == sampling.ResultSuperseded {
		return
	}
	k := rollupKey{day, c.Tier, c.Industry, c.Category, c.County, state}
	r := d[k]
	if r == nil {
		r = &rollupDelta{}
		d[k] = r
	}
	w := 0.0
	if c.InclusionProbability > 0 {
		w = 1 / c.InclusionProbability
	}
	r.tested += sign
	r.wTested += float64(sign) * w
	if outcome == sampling.OutcomeFail {
		r.failed += sign
		r.wFailed += float64(sign) * w
	}
}

const rollupConflict = ` ON CONFLICT (day, tier, industry, category, county, state) DO UPDATE SET
	tested = rollups.tested + excluded.tested, failed = rollups.failed + excluded.failed,
	w_tested = rollups.w_tested + excluded.w_tested, w_failed = rollups.w_failed + excluded.w_failed`

// rollupColumns are the rollups table's columns, in its order.
const rollupColumns = `day, tier, industry, category, county, state, tested, failed, w_tested, w_failed`

// apply adds the deltas to the rollups and removes rows left empty, so
// that the table equals what a rebuild makes, and notes the rows' new
// values in ch.
func (d rollupDeltas) apply(ctx context.Context, tx *sqlx.Tx, ch *Change) error {
	if len(d) == 0 {
		return nil
	}
	for k, r := range d {
		if r.tested == 0 && r.failed == 0 && r.wTested == 0 && r.wFailed == 0 {
			continue
		}
		rows, err := loadRollups(ctx, tx, `INSERT INTO rollups (`+rollupColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`+rollupConflict+` RETURNING `+rollupColumns,
			k.day, k.tier, k.industry, k.category, k.county, k.state, r.tested, r.failed, r.wTested, r.wFailed)
		if err != nil {
			return fmt.Errorf("update rollup %s %s/%s/%s: %w", k.day, k.industry, k.category, k.county, err)
		}
		ch.Rollups = append(ch.Rollups, rows...)
		if r.tested < 0 {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM rollups WHERE day = ? AND tier = ? AND industry = ? AND category = ? AND county = ? AND state = ? AND tested = 0`),
				k.day, k.tier, k.industry, k.category, k.county, k.state); err != nil {
				return fmt.Errorf("drop empty rollup: %w", err)
			}
		}
	}
	return nil
}

// rollupWeight is a batch's design weight in SQL over tasks t: the inverse
// of its inclusion probability.
const rollupWeight = `CASE WHEN t.inclusion_probability > 0 THEN 1.0 / t.inclusion_probability ELSE 0 END`

// rollupSelect aggregates batches set-wise: day, outcome and state are SQL
// expressions over the FROM clause, which joins tasks as t; sign is "" or
// "-".
func rollupSelect(day, state, outcome, sign, from string) string {
	w := rollupWeight
	return fmt.Sprintf(`SELECT %[1]s AS day, t.tier AS tier, t.industry AS industry, t.category AS category, t.county AS county, %[2]s AS state,
		%[4]scount(*) AS tested, %[4]ssum(CASE WHEN %[3]s = 'fail' THEN 1 ELSE 0 END) AS failed,
		%[4]ssum(%[6]s) AS w_tested, %[4]ssum(CASE WHEN %[3]s = 'fail' THEN %[6]s ELSE 0 END) AS w_failed
		%[5]s
		GROUP BY 1, 2, 3, 4, 5, 6`, day, state, outcome, sign, from, w)
}

// upsertRollupsFrom adds the set-wise aggregate of rollupSelect to the
// rollups and notes the rows' new values in ch.
func upsertRollupsFrom(ctx context.Context, tx *sqlx.Tx, ch *Change, selectSQL string, args ...any) error {
	rows, err := loadRollups(ctx, tx, `INSERT INTO rollups (`+rollupColumns+`) `+selectSQL+rollupConflict+` RETURNING `+rollupColumns, args...)
	ch.Rollups = append(ch.Rollups, rows...)
	return err
}

// rebuildSelect aggregates the rollups from the raw results.
var rebuildSelect = rollupSelect("r.counted_on", `CASE WHEN r.state = 'final' THEN 'final' ELSE 'provisional' END`, "r.outcome", "",
	`FROM results r JOIN tasks t ON t.id = r.task_id WHERE r.state <> 'superseded'`)

// RebuildReport tells what RebuildRollups found and did.
type RebuildReport struct {
	Rows    int // rollup rows after the rebuild
	Changed int // rows that were missing, extra or different before it
}

// RebuildRollups recomputes every rollup from the raw results in one
// transaction and reports how many rows the incremental rollups had wrong.
func (s *Store) RebuildRollups(ctx context.Context) (RebuildReport, error) {
	return s.rebuildRollups(ctx, true)
}

// CheckRollups compares the rollups with a rebuild from the raw results
// without changing them.
func (s *Store) CheckRollups(ctx context.Context) (RebuildReport, error) {
	return s.rebuildRollups(ctx, false)
}

// errCheckOnly rolls back a rebuild that only checks.
var errCheckOnly = errors.New("check only")

func (s *Store) rebuildRollups(ctx context.Context, write bool) (RebuildReport, error) {
	var rep RebuildReport
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		before, err := loadRollups(ctx, tx, `SELECT day, tier, industry, category, county, state, tested, failed, w_tested, w_failed FROM rollups`)
		if err != nil {
			return err
		}
		after, err := loadRollups(ctx, tx, rebuildSelect)
		if err != nil {
			return err
		}
		rep.Rows, rep.Changed = len(after), DiffRollups(before, after)
		if !write {
			return errCheckOnly
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rollups`); err != nil {
			return fmt.Errorf("clear rollups: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO rollups (day, tier, industry, category, county, state, tested, failed, w_tested, w_failed) `+rebuildSelect)
		return err
	})
	if err != nil && !errors.Is(err, errCheckOnly) {
		return RebuildReport{}, fmt.Errorf("rebuild rollups: %w", err)
	}
	return rep, nil
}

// DiffRollups counts the rollup rows of a and b that differ: present in
// one only, or with other counts, or weights apart by more than rounding.
func DiffRollups(a, b []sampling.Rollup) int {
	type key struct {
		day                              sampling.Day
		tier, industry, category, county string
		final                            bool
	}
	index := func(rs []sampling.Rollup) map[key]sampling.Rollup {
		m := make(map[key]sampling.Rollup, len(rs))
		for _, r := range rs {
			m[key{r.Day, r.Tier, r.Industry, r.Category, r.County, r.Final}] = r
		}
		return m
	}
	ma, mb := index(a), index(b)
	close := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*max(1, math.Abs(x), math.Abs(y)) }
	n := 0
	for k, ra := range ma {
		rb, ok := mb[k]
		if !ok || ra.Tested != rb.Tested || ra.Failed != rb.Failed || !close(ra.WTested, rb.WTested) || !close(ra.WFailed, rb.WFailed) {
			n++
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			n++
		}
	}
	return n
}

// loadRollups reads rollup rows from a query whose columns are those of
// the rollups table, in its order. It scans without reflection and parses
// each day once: a refresh reads tens of thousands of rows.
func loadRollups(ctx context.Context, q queryer, query string, args ...any) ([]sampling.Rollup, error) {
	rows, err := q.QueryContext(ctx, q.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("load rollups: %w", err)
	}
	defer rows.Close()
	return scanRollups(rows)
}

// scanRollups reads the rollup rows of rows, whose columns are those of
// the rollups table, in its order, up to the end of its result set.
func scanRollups(rows *sql.Rows) ([]sampling.Rollup, error) {
	days := map[string]sampling.Day{}
	var out []sampling.Rollup
	for rows.Next() {
		var r sampling.Rollup
		var day string
		var state sampling.ResultState
		if err := rows.Scan(&day, &r.Tier, &r.Industry, &r.Category, &r.County, &state, &r.Tested, &r.Failed, &r.WTested, &r.WFailed); err != nil {
			return nil, fmt.Errorf("load rollups: %w", err)
		}
		d, ok := days[day]
		if !ok {
			var err error
			if d, err = sampling.ParseDay(day); err != nil {
				return nil, fmt.Errorf("load rollups: %w", err)
			}
			days[day] = d
		}
		r.Day, r.Final = d, state == sampling.ResultFinal
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load rollups: %w", err)
	}
	return out, nil
}
