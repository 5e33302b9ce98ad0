package storage

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"spotcheck/sampling"
)

// LineProblem is what is wrong with one row of an import: the line the
// caller gave the row, the field and the reason.
type LineProblem struct {
	Line   int
	Field  string
	Reason string
}

// UpsertUnits adds or updates enterprises and their units in one
// transaction, as ImportUnits does, with each unit's index in units as
// its line. Units that break the rules are refused with a *FieldsError
// naming each (units[3].name), and nothing is stored.
func (s *Store) UpsertUnits(ctx context.Context, units []sampling.Unit) error {
	_, err := s.ImportUnits(ctx, indexed(units), refuse("units"))
	return err
}

// UpsertInspectors adds or updates inspectors, replacing their industries
// and recusals, in one transaction, as ImportInspectors does, with each
// inspector's index as its line. Inspectors that break the rules are
// refused with a *FieldsError.
func (s *Store) UpsertInspectors(ctx context.Context, inspectors []sampling.Inspector) error {
	_, err := s.ImportInspectors(ctx, indexed(inspectors), refuse("inspectors"))
	return err
}

// indexed yields each value with its index.
func indexed[T any](values []T) iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		for i, v := range values {
			if !yield(i, v) {
				return
			}
		}
	}
}

// refuse turns the problems of an import from a slice into a *FieldsError
// that places each in the slice, such as units[3].name.
func refuse(slice string) func([]LineProblem) error {
	return func(problems []LineProblem) error {
		if len(problems) == 0 {
			return nil
		}
		fe := make([]sampling.FieldError, len(problems))
		for i, p := range problems {
			fe[i] = sampling.FieldError{Field: fmt.Sprintf("%s[%d].%s", slice, p.Line, p.Field), Reason: p.Reason}
		}
		return &FieldsError{Problems: fe}
	}
}

// ImportUnits stores an enterprise registry read as a stream: each unit
// with the line it came from. Units are staged as they come (COPY on
// PostgreSQL, multi-row INSERTs on SQLite), so memory does not grow with
// the registry; then the rules across rows are checked over the staged
// set — a (credit code, category) once, one name and county per
// enterprise — and with each unit's own text rules (Unit.Check) they are
// handed to decide. When decide returns nil the enterprises and units are
// upserted (an enterprise takes the risk and industry of its last row, and
// becomes active); otherwise nothing is stored and its error is returned.
// All in one transaction. It returns the number of units.
func (s *Store) ImportUnits(ctx context.Context, units iter.Seq2[int, sampling.Unit], decide func([]LineProblem) error) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var problems []LineProblem
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_units (line INTEGER NOT NULL, credit_code TEXT NOT NULL,
			name TEXT NOT NULL, county TEXT NOT NULL, industry TEXT NOT NULL, category TEXT NOT NULL, risk TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("stage units: %w", err)
		}
		st, err := s.stager(ctx, tx, "import_units", "line", "credit_code", "name", "county", "industry", "category", "risk")
		if err != nil {
			return fmt.Errorf("stage units: %w", err)
		}
		for line, u := range units {
			if p := u.Check(); len(p) > 0 {
				for _, f := range p {
					problems = append(problems, LineProblem{Line: line, Field: f.Field, Reason: f.Reason})
				}
				continue
			}
			if err := st.add(line, u.CreditCode, u.Enterprise, u.County, u.Industry, u.Category, u.Risk); err != nil {
				st.close()
				return fmt.Errorf("stage units: %w", err)
			}
			n++
		}
		if err := st.close(); err != nil {
			return fmt.Errorf("stage units: %w", err)
		}
		if err := s.analyze(ctx, tx, "import_units"); err != nil {
			return err
		}
		set, err := s.unitProblems(ctx, tx)
		if err != nil {
			return err
		}
		problems = append(problems, set...)
		slices.SortStableFunc(problems, func(a, b LineProblem) int { return cmp.Compare(a.Line, b.Line) })
		if err := decide(problems); err != nil {
			return err
		}
		return s.upsertStagedUnits(ctx, tx)
	})
	return n, err
}

// unitProblems checks the staged units as a set: each (credit code,
// category) once, and an enterprise's name and county the same on all its
// rows as on its first. Each repeat names the first line.
func (s *Store) unitProblems(ctx context.Context, tx *sqlx.Tx) ([]LineProblem, error) {
	var problems []LineProblem
	var dups []struct {
		Line       int    `db:"line"`
		CreditCode string `db:"credit_code"`
		Category   string `db:"category"`
		First      int    `db:"first"`
	}
	if err := tx.SelectContext(ctx, &dups, `
		SELECT s.line, s.credit_code, s.category, d.first
		FROM import_units s
		JOIN (SELECT credit_code, category, min(line) AS first FROM import_units
			GROUP BY credit_code, category HAVING count(*) > 1) d
			ON d.credit_code = s.credit_code AND d.category = s.category
		WHERE s.line > d.first`); err != nil {
		return nil, fmt.Errorf("check units: %w", err)
	}
	for _, d := range dups {
		problems = append(problems, LineProblem{Line: d.Line, Field: "category",
			Reason: fmt.Sprintf("credit code %s with category %s also on line %d", d.CreditCode, d.Category, d.First)})
	}
	var firms []struct {
		Line        int    `db:"line"`
		CreditCode  string `db:"credit_code"`
		Name        string `db:"name"`
		County      string `db:"county"`
		First       int    `db:"first"`
		FirstName   string `db:"first_name"`
		FirstCounty string `db:"first_county"`
	}
	if err := tx.SelectContext(ctx, &firms, `
		SELECT s.line, s.credit_code, s.name, s.county, f.line AS first, f.name AS first_name, f.county AS first_county
		FROM (SELECT credit_code, min(line) AS first FROM import_units
			GROUP BY credit_code HAVING min(name) <> max(name) OR min(county) <> max(county)) c
		JOIN import_units f ON f.line = c.first
		JOIN import_units s ON s.credit_code = c.credit_code AND s.line > c.first
		WHERE s.name <> f.name OR s.county <> f.county`); err != nil {
		return nil, fmt.Errorf("check enterprises: %w", err)
	}
	for _, f := range firms {
		if f.Name != f.FirstName {
			problems = append(problems, LineProblem{Line: f.Line, Field: "name",
				Reason: fmt.Sprintf("%q, but line %d names credit code %s %q", f.Name, f.First, f.CreditCode, f.FirstName)})
		}
		if f.County != f.FirstCounty {
			problems = append(problems, LineProblem{Line: f.Line, Field: "county",
				Reason: fmt.Sprintf("%q, but line %d puts credit code %s in %q", f.County, f.First, f.CreditCode, f.FirstCounty)})
		}
	}
	return problems, nil
}

// upsertStagedUnits writes the staged units: enterprises and units that
// are new are inserted, and those whose values changed are updated, so
// that importing the same registry again rewrites nothing.
func (s *Store) upsertStagedUnits(ctx context.Context, tx *sqlx.Tx) error {
	for _, q := range []struct{ what, sql string }{
		// Each enterprise as its last row gives it (name and county agree
		// on every row).
		{"enterprises", `CREATE TEMP TABLE import_firms AS
			SELECT s.credit_code, s.name, s.county, s.industry, s.risk
			FROM (SELECT max(line) AS last FROM import_units GROUP BY credit_code) l
			JOIN import_units s ON s.line = l.last`},
		{"enterprises", `UPDATE enterprises SET name = f.name, county = f.county, industry = f.industry, risk = f.risk, active = TRUE
			FROM import_firms f
			WHERE enterprises.credit_code = f.credit_code
				AND (enterprises.name <> f.name OR enterprises.county <> f.county OR enterprises.industry <> f.industry
					OR enterprises.risk <> f.risk OR NOT enterprises.active)`},
		{"enterprises", `INSERT INTO enterprises (credit_code, name, county, industry, risk)
			SELECT f.credit_code, f.name, f.county, f.industry, f.risk FROM import_firms f
			WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.credit_code = f.credit_code)`},
		{"units", `UPDATE units SET industry = s.industry
			FROM import_units s
			WHERE units.credit_code = s.credit_code AND units.category = s.category AND units.industry <> s.industry`},
		{"units", `INSERT INTO units (credit_code, industry, category)
			SELECT s.credit_code, s.industry, s.category FROM import_units s
			WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.credit_code = s.credit_code AND u.category = s.category)`},
		{"units", `DROP TABLE import_firms`},
		{"units", `DROP TABLE import_units`},
	} {
		if _, err := tx.ExecContext(ctx, q.sql); err != nil {
			return fmt.Errorf("store %s: %w", q.what, err)
		}
	}
	return nil
}

// ImportInspectors stores inspectors read as a stream, each with the line
// it came from, replacing their industries and recusals. Like ImportUnits
// it stages them as they come and checks them as a set — an id once, each
// recusal an enterprise the registry holds — together with each
// inspector's own rules (Inspector.Check), hands the problems to decide,
// and stores only when decide returns nil, in one transaction. It returns
// the number of inspectors.
func (s *Store) ImportInspectors(ctx context.Context, inspectors iter.Seq2[int, sampling.Inspector], decide func([]LineProblem) error) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var problems []LineProblem
		for _, t := range []string{
			`CREATE TEMP TABLE import_inspectors (line INTEGER NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, county TEXT NOT NULL)`,
			`CREATE TEMP TABLE import_inspector_lists (line INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL)`,
		} {
			if _, err := tx.ExecContext(ctx, t); err != nil {
				return fmt.Errorf("stage inspectors: %w", err)
			}
		}
		// Staged in two passes would need the stream twice: the lists wait
		// in memory for their own stager, a few values per inspector.
		type listed struct {
			line        int
			kind, value string
		}
		var lists []listed
		st, err := s.stager(ctx, tx, "import_inspectors", "line", "id", "name", "county")
		if err != nil {
			return fmt.Errorf("stage inspectors: %w", err)
		}
		for line, in := range inspectors {
			if p := in.Check(); len(p) > 0 {
				for _, f := range p {
					problems = append(problems, LineProblem{Line: line, Field: f.Field, Reason: f.Reason})
				}
				continue
			}
			if err := st.add(line, in.ID, in.Name, in.County); err != nil {
				st.close()
				return fmt.Errorf("stage inspectors: %w", err)
			}
			for _, ind := range in.Industries {
				lists = append(lists, listed{line, "industry", ind})
			}
			for _, code := range in.Recusals {
				lists = append(lists, listed{line, "recusal", code})
			}
			n++
		}
		if err := st.close(); err != nil {
			return fmt.Errorf("stage inspectors: %w", err)
		}
		if st, err = s.stager(ctx, tx, "import_inspector_lists", "line", "kind", "value"); err != nil {
			return fmt.Errorf("stage inspectors: %w", err)
		}
		for _, l := range lists {
			if err := st.add(l.line, l.kind, l.value); err != nil {
				st.close()
				return fmt.Errorf("stage inspectors: %w", err)
			}
		}
		if err := st.close(); err != nil {
			return fmt.Errorf("stage inspectors: %w", err)
		}
		set, err := s.inspectorProblems(ctx, tx)
		if err != nil {
			return err
		}
		problems = append(problems, set...)
		slices.SortStableFunc(problems, func(a, b LineProblem) int { return cmp.Compare(a.Line, b.Line) })
		if err := decide(problems); err != nil {
			return err
		}
		return s.upsertStagedInspectors(ctx, tx)
	})
	return n, err
}

// inspectorProblems checks the staged inspectors as a set: each id once,
// and each recusal an enterprise of the registry.
func (s *Store) inspectorProblems(ctx context.Context, tx *sqlx.Tx) ([]LineProblem, error) {
	var problems []LineProblem
	var dups []struct {
		Line  int    `db:"line"`
		ID    string `db:"id"`
		First int    `db:"first"`
	}
	if err := tx.SelectContext(ctx, &dups, `
		SELECT s.line, s.id, d.first
		FROM import_inspectors s
		JOIN (SELECT id, min(line) AS first FROM import_inspectors GROUP BY id HAVING count(*) > 1) d ON d.id = s.id
		WHERE s.line > d.first`); err != nil {
		return nil, fmt.Errorf("check inspectors: %w", err)
	}
	for _, d := range dups {
		problems = append(problems, LineProblem{Line: d.Line, Field: "id", Reason: fmt.Sprintf("inspector %s also on line %d", d.ID, d.First)})
	}
	var unknown []struct {
		Line int    `db:"line"`
		Code string `db:"value"`
	}
	if err := tx.SelectContext(ctx, &unknown, `
		SELECT l.line, l.value FROM import_inspector_lists l
		WHERE l.kind = 'recusal' AND NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.credit_code = l.value)`); err != nil {
		return nil, fmt.Errorf("check recusals: %w", err)
	}
	for _, u := range unknown {
		problems = append(problems, LineProblem{Line: u.Line, Field: "recuse",
			Reason: fmt.Sprintf("credit code %s is not in the registry (import the enterprises first)", u.Code)})
	}
	return problems, nil
}

// upsertStagedInspectors writes the staged inspectors and replaces their
// industries and recusals.
func (s *Store) upsertStagedInspectors(ctx context.Context, tx *sqlx.Tx) error {
	for _, q := range []string{
		`UPDATE inspectors SET name = s.name, county = s.county, active = TRUE
			FROM import_inspectors s
			WHERE inspectors.id = s.id AND (inspectors.name <> s.name OR inspectors.county <> s.county OR NOT inspectors.active)`,
		`INSERT INTO inspectors (id, name, county)
			SELECT s.id, s.name, s.county FROM import_inspectors s
			WHERE NOT EXISTS (SELECT 1 FROM inspectors i WHERE i.id = s.id)`,
		`DELETE FROM inspector_industries WHERE inspector_id IN (SELECT id FROM import_inspectors)`,
		`DELETE FROM recusals WHERE inspector_id IN (SELECT id FROM import_inspectors)`,
		`INSERT INTO inspector_industries (inspector_id, industry)
			SELECT DISTINCT s.id, l.value FROM import_inspector_lists l JOIN import_inspectors s ON s.line = l.line
			WHERE l.kind = 'industry'`,
		`INSERT INTO recusals (inspector_id, credit_code)
			SELECT DISTINCT s.id, l.value FROM import_inspector_lists l JOIN import_inspectors s ON s.line = l.line
			WHERE l.kind = 'recusal'`,
		`DROP TABLE import_inspector_lists`,
		`DROP TABLE import_inspectors`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store inspectors: %w", err)
		}
	}
	return nil
}

// analyze gives the planner the staged table's statistics, which
// PostgreSQL's autovacuum never gathers for a temporary table: without
// them it guesses the groups of the set checks and the joins of the upsert.
func (s *Store) analyze(ctx context.Context, tx *sqlx.Tx, table string) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE `+table); err != nil {
		return fmt.Errorf("analyze %s: %w", table, err)
	}
	return nil
}

// stager stages rows into a table of the transaction: COPY on PostgreSQL,
// INSERTs of many rows on SQLite.
type stager struct {
	add   func(args ...any) error
	close func() error
}

// stageRows is the number of rows of one staging INSERT on SQLite (whose
// statements take at most 32,766 parameters).
const stageRows = 200

// stager returns a stager of table's columns in tx.
func (s *Store) stager(ctx context.Context, tx *sqlx.Tx, table string, columns ...string) (*stager, error) {
	if s.dialect == Postgres {
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, columns...))
		if err != nil {
			return nil, err
		}
		closed := false
		return &stager{
			add: func(args ...any) error {
				_, err := stmt.ExecContext(ctx, args...)
				return err
			},
			close: func() error {
				if closed {
					return nil
				}
				closed = true
				_, err := stmt.ExecContext(ctx)
				if cerr := stmt.Close(); err == nil {
					err = cerr
				}
				return err
			},
		}, nil
	}
	row := "(" + placeholders(len(columns)) + ")"
	insert := func(rows int) string {
		return `INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
	}
	full, err := tx.PrepareContext(ctx, insert(stageRows))
	if err != nil {
		return nil, err
	}
	batch := make([]any, 0, stageRows*len(columns))
	closed := false
	return &stager{
		add: func(args ...any) error {
			batch = append(batch, args...)
			if len(batch) < cap(batch) {
				return nil
			}
			_, err := full.ExecContext(ctx, batch...)
			batch = batch[:0]
			return err
		},
		close: func() error {
			if closed {
				return nil
			}
			closed = true
			defer full.Close()
			if len(batch) == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, insert(len(batch)/len(columns)), batch...)
			return err
		},
	}, nil
}
