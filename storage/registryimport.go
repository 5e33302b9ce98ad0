package storage

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
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
	_, err := s.ImportUnits(ctx, slices.All(units), refuse("units"))
	return err
}

// UpsertInspectors adds or updates inspectors, replacing their industries
// and recusals, in one transaction, as ImportInspectors does, with each
// inspector's index as its line. Inspectors that break the rules are
// refused with a *FieldsError.
func (s *Store) UpsertInspectors(ctx context.Context, inspectors []sampling.Inspector) error {
	_, err := s.ImportInspectors(ctx, slices.All(inspectors), refuse("inspectors"))
	return err
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

// unitStages are the staging tables of a registry import: the staged
// units, each marked when it ends a run of rows of one enterprise; each
// enterprise's first and last line, with whether its rows disagree on name
// or county (made by firmProblems); and the staged units that are new (not
// stored) or change a stored unit (made by upsertStagedUnits).
var unitStages = []stage{
	{"import_units", `(line INTEGER NOT NULL, credit_code TEXT NOT NULL, name TEXT NOT NULL, county TEXT NOT NULL,
		industry TEXT NOT NULL, category TEXT NOT NULL, risk TEXT NOT NULL, run_end BOOLEAN NOT NULL)`},
	{"import_firms", `AS SELECT credit_code, min(line) AS first, max(line) AS last,
		min(name) <> max(name) OR min(county) <> max(county) AS conflict
		FROM import_units GROUP BY credit_code`},
	{"import_unit_changes", `AS SELECT s.credit_code, s.category, s.industry, u.credit_code IS NOT NULL AS stored
		FROM import_units s LEFT JOIN units u ON u.credit_code = s.credit_code AND u.category = s.category
		WHERE u.credit_code IS NULL OR u.industry <> s.industry`},
}

// ImportUnits stores an enterprise registry read as a stream: each unit
// with the line it came from. Units are staged as they come (COPY on
// PostgreSQL, multi-row INSERTs on SQLite), so memory does not grow with
// the registry. The rules across rows are checked over the staged set —
// an enterprise's name and county the same on all its rows, a (credit
// code, category) once — and with each unit's own text rules (Unit.Check)
// they make the problems handed to decide, once, before the transaction
// ends. Without problems the enterprises and units are written first (new
// ones inserted, changed ones updated; an enterprise takes the risk and
// industry of its last row and becomes active) and decide is called with
// none: the caller may still refuse, having found problems of its own
// while the rows were read. Nothing is stored when there are problems or
// decide returns an error, which is then returned. It returns the number
// of units staged.
func (s *Store) ImportUnits(ctx context.Context, units iter.Seq2[int, sampling.Unit], decide func([]LineProblem) error) (int, error) {
	n := 0
	err := s.inConnTx(ctx, func(conn *sqlx.Conn, tx *sqlx.Tx) error {
		var problems []LineProblem
		if err := s.createStage(ctx, tx, unitStages[0]); err != nil {
			return err
		}
		// Each row is staged when the next has been read, marked when the
		// next is of another enterprise: the end of a run of rows of one
		// enterprise. runs tells whether the rows of each run agree on the
		// enterprise's name and county (see newRegistry).
		var runs runs
		columns := []string{"line", "credit_code", "name", "county", "industry", "category", "risk", "run_end"}
		err := s.stage(ctx, conn, tx, "import_units", columns, func(add func(...any) error) error {
			var last checked[sampling.Unit]
			stageLast := func(runEnd bool) error {
				u := last.v
				return add(last.line, u.CreditCode, u.Enterprise, u.County, u.Industry, u.Category, u.Risk, runEnd)
			}
			for r := range readAhead(units, sampling.Unit.Check) {
				if len(r.problems) > 0 {
					for _, f := range r.problems {
						problems = append(problems, LineProblem{Line: r.line, Field: f.Field, Reason: f.Reason})
					}
					continue
				}
				if n > 0 {
					if err := stageLast(r.v.CreditCode != last.v.CreditCode); err != nil {
						return err
					}
				}
				runs.add(r.v)
				last = r
				n++
			}
			if n > 0 {
				return stageLast(true)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("stage units: %w", err)
		}
		if err := s.largeBatch(ctx, tx, n); err != nil {
			return err
		}
		// accept asks decide and drops the staging tables.
		accept := func() error {
			if err := decide(nil); err != nil {
				return err
			}
			if err := s.dropStage(ctx, tx, unitStages...); err != nil {
				return fmt.Errorf("store units: %w", err)
			}
			return nil
		}
		if len(problems) == 0 && !runs.disagree {
			written, err := s.newRegistry(ctx, tx, n)
			if err != nil {
				return err
			}
			if written {
				return accept()
			}
		}
		if err := s.analyze(ctx, tx, "import_units"); err != nil {
			return err
		}
		firms, err := s.firmProblems(ctx, tx)
		if err != nil {
			return err
		}
		problems = append(problems, firms...)
		// When every staged unit is new, the unique key of units finds a
		// unit staged twice as the units are written; the set is searched
		// for repeats (an aggregation over every staged row) only when
		// the writing fails (undone to the savepoint, so that the
		// transaction can go on to name them), when some staged units
		// were stored already (their repeats meet no key), or when the
		// import is refused anyway. A refusal rolls everything back.
		if len(problems) == 0 {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT import_write`); err != nil {
				return err
			}
			inserted, err := s.upsertStagedUnits(ctx, tx, n)
			if err == nil && inserted == n {
				return accept()
			}
			if err != nil {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT import_write`); rerr != nil {
					return errors.Join(err, rerr)
				}
			}
			if problems, err = s.repeatedUnits(ctx, tx, err); err != nil {
				return err
			}
			if len(problems) == 0 {
				return accept()
			}
		} else {
			repeated, err := s.repeatedUnits(ctx, tx, nil)
			if err != nil {
				return err
			}
			problems = append(problems, repeated...)
		}
		slices.SortStableFunc(problems, func(a, b LineProblem) int { return cmp.Compare(a.Line, b.Line) })
		if err := decide(problems); err != nil {
			return err
		}
		return fmt.Errorf("import refused: %d problems", len(problems))
	})
	return n, err
}

// repeatedUnits finds the units staged more than once: each repeat of a
// (credit code, category) names the first line. When the search was
// prompted by failed, the error of writing the units, and finds nothing,
// failed is returned.
func (s *Store) repeatedUnits(ctx context.Context, tx *sqlx.Tx, failed error) ([]LineProblem, error) {
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
	if len(problems) == 0 && failed != nil {
		return nil, failed
	}
	return problems, nil
}

// firmProblems checks that an enterprise has the same name and county on
// all its staged rows as on its first. On the way it keeps the first and
// last line of each enterprise (import_firms), which the upsert reads.
func (s *Store) firmProblems(ctx context.Context, tx *sqlx.Tx) ([]LineProblem, error) {
	var problems []LineProblem
	if err := s.createStage(ctx, tx, unitStages[1]); err != nil {
		return nil, fmt.Errorf("check enterprises: %w", err)
	}
	var conflicts bool
	if err := tx.GetContext(ctx, &conflicts, `SELECT EXISTS (SELECT 1 FROM import_firms WHERE conflict)`); err != nil {
		return nil, fmt.Errorf("check enterprises: %w", err)
	}
	if !conflicts {
		return nil, nil
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
		FROM import_firms c
		JOIN import_units f ON f.line = c.first
		JOIN import_units s ON s.credit_code = c.credit_code AND s.line > c.first
		WHERE c.conflict AND (s.name <> f.name OR s.county <> f.county)`); err != nil {
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

// runs follows the runs of rows of one enterprise, in the order the rows
// come: disagree becomes true when a row names the enterprise or its
// county otherwise than the first row of its run. (Its zero value begins:
// a credit code is never empty.)
type runs struct {
	first    sampling.Unit
	disagree bool
}

// add follows the next row.
func (r *runs) add(u sampling.Unit) {
	switch {
	case u.CreditCode != r.first.CreditCode:
		r.first = u
	case u.Enterprise != r.first.Enterprise || u.County != r.first.County:
		r.disagree = true
	}
}

// newRegistry writes the staged units of n rows into an empty registry as
// a bulk load, on PostgreSQL when the registry holds no enterprise and at
// least bulkUnits units are staged, and reports whether it did. Each
// enterprise is written from the row that ends its run (its last row, when
// all its rows are in one run, as most registries list them), without the
// aggregation over every staged row that the general way makes; the
// caller has checked that the rows of each run agree. The keys are dropped
// for the write and made again (see withoutIndexes), enterprises' first:
// a key made again over a repeat (an enterprise whose rows are in more
// than one run, or a unit staged twice) undoes the write, to a savepoint,
// and newRegistry returns false for the general way to write the units or
// name the repeats.
func (s *Store) newRegistry(ctx context.Context, tx *sqlx.Tx, n int) (bool, error) {
	if s.dialect != Postgres || n < bulkUnits {
		return false, nil
	}
	var firms bool
	if err := tx.GetContext(ctx, &firms, `SELECT EXISTS (SELECT 1 FROM enterprises)`); err != nil {
		return false, fmt.Errorf("store units: %w", err)
	}
	if firms {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT import_new`); err != nil {
		return false, fmt.Errorf("store units: %w", err)
	}
	err := s.withoutIndexes(ctx, tx, []string{"units"}, func() error {
		if err := s.withoutIndexes(ctx, tx, []string{"enterprises"}, func() error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO enterprises (credit_code, name, county, industry, risk)
				SELECT credit_code, name, county, industry, risk FROM import_units WHERE run_end`); err != nil {
				return fmt.Errorf("store enterprises: %w", err)
			}
			return nil
		}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO units (credit_code, industry, category)
			SELECT credit_code, industry, category FROM import_units`); err != nil {
			return fmt.Errorf("store units: %w", err)
		}
		return nil
	})
	if pe := (*pq.Error)(nil); !errors.As(err, &pe) || pe.Code != "23505" { // unique_violation
		return err == nil, err
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT import_new`); err != nil {
		return false, fmt.Errorf("store units: %w", err)
	}
	return false, nil
}

// bulkUnits is how many more units than the registry holds an import must
// stage to be written in bulk (see bulkWrite).
const bulkUnits = 10_000

// upsertStagedUnits writes the staged units of n rows: enterprises and
// units that are new are inserted, and those whose values changed are
// updated, so that importing the same registry again rewrites nothing. It
// returns the number of units inserted.
func (s *Store) upsertStagedUnits(ctx context.Context, tx *sqlx.Tx, n int) (int, error) {
	var inserted int64
	write := func(bulk bool) error {
		for _, q := range []string{
			// Each enterprise as its last row gives it (name and county
			// agree on every row).
			`UPDATE enterprises SET name = s.name, county = s.county, industry = s.industry, risk = s.risk, active = TRUE
				FROM import_firms f JOIN import_units s ON s.line = f.last
				WHERE enterprises.credit_code = f.credit_code
					AND (enterprises.name <> s.name OR enterprises.county <> s.county OR enterprises.industry <> s.industry
						OR enterprises.risk <> s.risk OR NOT enterprises.active)`,
			`INSERT INTO enterprises (credit_code, name, county, industry, risk)
				SELECT s.credit_code, s.name, s.county, s.industry, s.risk
				FROM import_firms f JOIN import_units s ON s.line = f.last
				WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.credit_code = f.credit_code)`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store enterprises: %w", err)
			}
		}
		// The staged units that are new or changed, found in one join with
		// the stored units, which is all a registry imported again reads
		// of them; written in bulk, most staged units are new, and they
		// are written from the staged rows without the copy.
		changes := `import_units s WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.credit_code = s.credit_code AND u.category = s.category)`
		update := `UPDATE units SET industry = s.industry FROM import_units s
			WHERE units.credit_code = s.credit_code AND units.category = s.category AND units.industry <> s.industry`
		if !bulk {
			if err := s.createStage(ctx, tx, unitStages[2]); err != nil {
				return fmt.Errorf("store units: %w", err)
			}
			changes = `import_unit_changes s WHERE NOT s.stored`
			update = `UPDATE units SET industry = c.industry FROM import_unit_changes c
				WHERE c.stored AND units.credit_code = c.credit_code AND units.category = c.category`
		}
		if _, err := tx.ExecContext(ctx, update); err != nil {
			return fmt.Errorf("store units: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO units (credit_code, industry, category)
			SELECT s.credit_code, s.industry, s.category FROM `+changes)
		if err != nil {
			return fmt.Errorf("store units: %w", err)
		}
		inserted, err = res.RowsAffected()
		return err
	}
	if err := s.bulkWrite(ctx, tx, n, write); err != nil {
		return 0, err
	}
	return int(inserted), nil
}

// bulkWrite runs write, which inserts up to n units and their enterprises.
// On PostgreSQL each inserted row costs an entry in every index of its
// table, logged one by one, and a query and a row lock of each foreign key
// trigger; building an index over the table afterwards, and checking a
// foreign key in one pass, cost far less. So when at least bulkUnits of
// the units are new and they are at least as many as the stored units,
// the keys and indexes of units (and the foreign keys to them) are
// dropped for the write and made again as they were, which also finds a
// unit staged twice (as a duplicate of the rebuilt unique key); and when
// the registry holds no enterprise yet, those of enterprises too (the
// foreign keys to enterprises then have no rows to check). Until the
// transaction ends this holds an exclusive lock on the tables, so a fire
// that reads the registry waits for the import to commit.
func (s *Store) bulkWrite(ctx context.Context, tx *sqlx.Tx, n int, write func(bulk bool) error) error {
	if s.dialect != Postgres {
		return write(false)
	}
	var stored int
	if err := tx.GetContext(ctx, &stored, `SELECT count(*) FROM (SELECT 1 FROM units LIMIT $1) u`, n); err != nil {
		return fmt.Errorf("store units: %w", err)
	}
	if n-stored < bulkUnits || n-stored < stored {
		return write(false)
	}
	tables := []string{"units"}
	var firms bool
	if err := tx.GetContext(ctx, &firms, `SELECT EXISTS (SELECT 1 FROM enterprises)`); err != nil {
		return fmt.Errorf("store units: %w", err)
	}
	if !firms {
		tables = append(tables, "enterprises")
	}
	return s.withoutIndexes(ctx, tx, tables, func() error { return write(true) })
}

// withoutIndexes drops the indexes, keys and constraints of tables, and
// the foreign keys to them, runs write and makes them again as they were,
// in the transaction tx (PostgreSQL only).
func (s *Store) withoutIndexes(ctx context.Context, tx *sqlx.Tx, tables []string, write func() error) error {
	type object struct {
		Table string `db:"tbl"`
		Name  string `db:"name"`
		Def   string `db:"def"`
		Kind  string `db:"kind"`
	}
	var objects []object
	// Foreign keys first, then keys, then the other indexes: the order in
	// which they can be dropped, and the reverse of the order in which
	// they can be made.
	if err := tx.SelectContext(ctx, &objects, `SELECT * FROM (
		SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def, contype::text AS kind
		FROM pg_constraint
		WHERE contype IN ('f', 'p', 'u')
			AND (conrelid::regclass::text = ANY ($1) OR (contype = 'f' AND confrelid::regclass::text = ANY ($1)))
		UNION ALL
		SELECT indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid), 'i'
		FROM pg_index i
		WHERE indrelid::regclass::text = ANY ($1)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)) o
		ORDER BY kind = 'f' DESC, kind = 'i', tbl, name`, pq.StringArray(tables)); err != nil {
		return fmt.Errorf("store units: %w", err)
	}
	for _, o := range objects {
		drop := `ALTER TABLE ` + o.Table + ` DROP CONSTRAINT ` + pq.QuoteIdentifier(o.Name)
		if o.Kind == "i" {
			drop = `DROP INDEX ` + o.Name
		}
		if _, err := tx.ExecContext(ctx, drop); err != nil {
			return fmt.Errorf("store units: %w", err)
		}
	}
	if err := write(); err != nil {
		return err
	}
	for _, o := range slices.Backward(objects) {
		create := `ALTER TABLE ` + o.Table + ` ADD CONSTRAINT ` + pq.QuoteIdentifier(o.Name) + ` ` + o.Def
		if o.Kind == "i" {
			create = o.Def
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("store units: %w", err)
		}
	}
	return nil
}

// inspectorStages are the staging tables of an inspector import: the
// inspectors, and their industries and recusals.
var inspectorStages = []stage{
	{"import_inspectors", `(line INTEGER NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, county TEXT NOT NULL)`},
	{"import_inspector_lists", `(line INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL)`},
}

// ImportInspectors stores inspectors read as a stream, each with the line
// it came from, replacing their industries and recusals. Like ImportUnits
// it stages them as they come and checks them as a set — an id once, each
// recusal an enterprise the registry holds — together with each
// inspector's own rules (Inspector.Check), hands the problems to decide,
// and stores only when there are no problems and decide returns nil, in
// one transaction. It returns the number of inspectors.
func (s *Store) ImportInspectors(ctx context.Context, inspectors iter.Seq2[int, sampling.Inspector], decide func([]LineProblem) error) (int, error) {
	n := 0
	err := s.inConnTx(ctx, func(conn *sqlx.Conn, tx *sqlx.Tx) error {
		var problems []LineProblem
		if err := s.createStage(ctx, tx, inspectorStages...); err != nil {
			return err
		}
		// Staged in two passes would need the stream twice: the lists wait
		// in memory for their own staging, a few values per inspector.
		type listed struct {
			line        int
			kind, value string
		}
		var lists []listed
		err := s.stage(ctx, conn, tx, "import_inspectors", []string{"line", "id", "name", "county"}, func(add func(...any) error) error {
			for r := range readAhead(inspectors, sampling.Inspector.Check) {
				if len(r.problems) > 0 {
					for _, f := range r.problems {
						problems = append(problems, LineProblem{Line: r.line, Field: f.Field, Reason: f.Reason})
					}
					continue
				}
				line, in := r.line, r.v
				if err := add(line, in.ID, in.Name, in.County); err != nil {
					return err
				}
				for _, ind := range in.Industries {
					lists = append(lists, listed{line, "industry", ind})
				}
				for _, code := range in.Recusals {
					lists = append(lists, listed{line, "recusal", code})
				}
				n++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("stage inspectors: %w", err)
		}
		err = s.stage(ctx, conn, tx, "import_inspector_lists", []string{"line", "kind", "value"}, func(add func(...any) error) error {
			for _, l := range lists {
				if err := add(l.line, l.kind, l.value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
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
		if len(problems) > 0 {
			return fmt.Errorf("import refused: %d problems", len(problems))
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
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store inspectors: %w", err)
		}
	}
	return s.dropStage(ctx, tx, inspectorStages...)
}

// checked is a row read ahead: its line, its value and its problems.
type checked[T any] struct {
	line     int
	v        T
	problems []sampling.FieldError
}

// aheadRows is how many rows make a batch read ahead; aheadBatches
// batches at most wait for the caller.
const (
	aheadRows    = 256
	aheadBatches = 4
)

// readAhead yields the rows of seq with the problems check finds in each,
// while a goroutine of its own reads and checks the rows that follow (at
// most aheadBatches batches of aheadRows): reading and checking a file
// then runs beside the writing of its rows, on a processor of its own.
// The batches go back to the reader once yielded, so that a million rows
// do not cost the collector a new batch every aheadRows of them.
// Stopping early stops the reading; a panic of seq or check is raised
// again in the caller's goroutine.
func readAhead[T any](seq iter.Seq2[int, T], check func(T) []sampling.FieldError) iter.Seq[checked[T]] {
	return func(yield func(checked[T]) bool) {
		batches := make(chan []checked[T], aheadBatches)
		free := make(chan []checked[T], aheadBatches+2)
		stop := make(chan struct{})
		var panicked any
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(batches)
			defer func() { panicked = recover() }()
			next := func() []checked[T] {
				select {
				case b := <-free:
					return b
				default:
					return make([]checked[T], 0, aheadRows)
				}
			}
			batch := next()
			send := func() bool {
				select {
				case batches <- batch:
					batch = next()
					return true
				case <-stop:
					return false
				}
			}
			for line, v := range seq {
				batch = append(batch, checked[T]{line, v, check(v)})
				if len(batch) == aheadRows && !send() {
					return
				}
			}
			if len(batch) > 0 {
				send()
			}
		}()
		defer func() {
			close(stop)
			<-done
			if panicked != nil {
				panic(panicked)
			}
		}()
		for batch := range batches {
			for _, r := range batch {
				if !yield(r) {
					return
				}
			}
			clear(batch) // what the rows hold is the caller's now
			select {
			case free <- batch[:0]:
			default:
			}
		}
	}
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

// stageRows is the number of rows of one staging INSERT on SQLite (whose
// statements take at most 32,766 parameters).
const stageRows = 200

// stage stages rows of table's columns in tx, which was begun on conn:
// fill adds each row, its values in the columns' order. On PostgreSQL the
// rows go into a COPY, given straight to the driver's statement on the
// driver's connection (conn.Raw holds it while fill runs, so fill must not
// use tx): through database/sql each row was a statement execution whose
// arguments it checked and converted one by one, which cost a million-row
// import more processor time than reading and checking its file. On
// SQLite the rows go in INSERTs of many rows.
func (s *Store) stage(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, table string, columns []string, fill func(add func(...any) error) error) error {
	if s.dialect == Postgres {
		return conn.Raw(func(dc any) error {
			st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, pq.CopyIn(table, columns...))
			if err != nil {
				return err
			}
			defer st.Close()
			row := make([]driver.Value, len(columns))
			err = fill(func(values ...any) error {
				if err := ctx.Err(); err != nil { // the driver's Exec does not watch it
					return err
				}
				for i, v := range values {
					if n, ok := v.(int); ok { // not a driver.Value
						v = int64(n)
					}
					row[i] = v
				}
				_, err := st.Exec(row) // the COPY's statement takes its rows so
				return err
			})
			if err != nil {
				return err
			}
			_, err = st.Exec(nil) // ends the COPY, with what the server refused
			return err
		})
	}
	row := "(" + placeholders(len(columns)) + ")"
	insert := func(rows int) string {
		return `INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
	}
	full, err := tx.PrepareContext(ctx, insert(stageRows))
	if err != nil {
		return err
	}
	defer full.Close()
	batch := make([]any, 0, stageRows*len(columns))
	err = fill(func(values ...any) error {
		if err := ctx.Err(); err != nil { // before the transaction's end closes the statement
			return err
		}
		batch = append(batch, values...)
		if len(batch) < cap(batch) {
			return nil
		}
		_, err := full.ExecContext(ctx, batch...)
		batch = batch[:0]
		return err
	})
	if err != nil || len(batch) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, insert(len(batch)/len(columns)), batch...)
	return err
}
