package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// lines yields units with the given line numbers.
func lines[T any](ls []int, values []T) func(func(int, T) bool) {
	return func(yield func(int, T) bool) {
		for i, v := range values {
			if !yield(ls[i], v) {
				return
			}
		}
	}
}

// collect is a decide that keeps the problems and refuses when there are any.
func collect(got *[]storage.LineProblem) func([]storage.LineProblem) error {
	return func(p []storage.LineProblem) error {
		*got = p
		if len(p) > 0 {
			return errors.New("refused")
		}
		return nil
	}
}

// TestImportUnitsSetRules checks the rules across staged rows and each
// unit's own text rules, all reported at once with their lines in order,
// and that nothing is stored when any is broken.
func TestImportUnitsSetRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		a, b := code(t, "91320500MA0000001"), code(t, "91320500MA0000002")
		units := []sampling.Unit{
			{CreditCode: a, Enterprise: "甲", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "A"},
			{CreditCode: b, Enterprise: "乙", County: "吴江区", Industry: "textiles", Category: "garments", Risk: "B"},
			{CreditCode: a, Enterprise: "甲", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "A"},
			{CreditCode: a, Enterprise: "甲厂", County: "吴江区", Industry: "textiles", Category: "knitwear", Risk: "A"},
			{CreditCode: b, Enterprise: "乙\x00", County: "吴江区", Industry: "textiles", Category: "knitwear", Risk: "B"},
		}
		before := storagetest.Dump(t, s)
		var got []storage.LineProblem
		n, err := s.ImportUnits(t.Context(), lines([]int{2, 3, 5, 7, 8}, units), collect(&got))
		if err == nil || n != 4 {
			t.Fatalf("ImportUnits = %d, %v; want 4 staged and refused", n, err)
		}
		want := []storage.LineProblem{
			{Line: 5, Field: "category", Reason: fmt.Sprintf("credit code %s with category garments also on line 2", a)},
			{Line: 7, Field: "name", Reason: fmt.Sprintf(`"甲厂", but line 2 names credit code %s "甲"`, a)},
			{Line: 7, Field: "county", Reason: fmt.Sprintf(`"吴江区", but line 2 puts credit code %s in "姑苏区"`, a)},
			{Line: 8, Field: "name", Reason: "NUL character at byte 3"},
		}
		if !slices.Equal(got, want) {
			t.Errorf("ImportUnits problems =\n%v\nwant\n%v", got, want)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("a refused import changed the tables")
		}
	})
}

// registrySchema lists the keys, constraints and indexes of the registry's
// tables and of tasks, which refer to enterprises, on PostgreSQL (where a
// bulk import drops and makes them again); "" on SQLite.
func registrySchema(t *testing.T, s *storage.Store) string {
	t.Helper()
	if s.Dialect() != storage.Postgres {
		return ""
	}
	var schema string
	if err := s.DB().QueryRowContext(t.Context(), `SELECT string_agg(def, E'\n' ORDER BY def) FROM (
		SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' validated ' || convalidated AS def
		FROM pg_constraint WHERE conrelid IN ('units'::regclass, 'enterprises'::regclass, 'tasks'::regclass)
		UNION ALL
		SELECT pg_get_indexdef(indexrelid) || ' valid ' || indisvalid
		FROM pg_index WHERE indrelid IN ('units'::regclass, 'enterprises'::regclass, 'tasks'::regclass)) d`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return schema
}

// TestImportUnitsBulk imports more units than bulkUnits into an empty
// registry (on PostgreSQL the keys and indexes of units and enterprises
// are then made once, over the tables, and a unit staged twice is found
// as the unique key is made), imports them again with changes, and checks
// what is stored: every unit, each enterprise as its last row gives it,
// and every key and index in place as before.
func TestImportUnitsBulk(t *testing.T) {
	const n = 12_000
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		units := make([]sampling.Unit, n)
		for i := range units {
			e := i / 2
			units[i] = sampling.Unit{CreditCode: code(t, fmt.Sprintf("91320500MA%07d", e)), Enterprise: fmt.Sprint("企业", e),
				County: "姑苏区", Industry: "textiles", Category: []string{"garments", "knitwear"}[i%2], Risk: "B"}
		}
		units[1].Risk = "D" // the enterprise's last row
		// A unit twice and nothing else wrong: the unique key finds it as
		// the units are written, and the write is undone.
		schema := registrySchema(t, s)
		before := storagetest.Dump(t, s)
		var got []storage.LineProblem
		twice := append(slices.Clone(units), units[7])
		if _, err := s.ImportUnits(ctx, slices.All(twice), collect(&got)); err == nil {
			t.Fatal("ImportUnits accepted a unit twice")
		}
		want := []storage.LineProblem{{Line: n, Field: "category",
			Reason: fmt.Sprintf("credit code %s with category knitwear also on line 7", units[7].CreditCode)}}
		if !slices.Equal(got, want) {
			t.Errorf("ImportUnits problems = %v, want %v", got, want)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("a refused import changed the tables")
		}
		if err := s.UpsertUnits(ctx, units); err != nil {
			t.Fatal(err)
		}
		// Imported again, the repeated unit is stored already: no key
		// meets the repeat, and the set is searched.
		got = nil
		if _, err := s.ImportUnits(ctx, slices.All(twice), collect(&got)); err == nil || !slices.Equal(got, want) {
			t.Errorf("ImportUnits again = %v, problems %v; want refused with %v", err, got, want)
		}
		units[3].Enterprise, units[2].Enterprise = "改名", "改名"
		if err := s.UpsertUnits(ctx, units[:4]); err != nil {
			t.Fatal(err)
		}
		frame, err := s.Frame(ctx, "textiles")
		if err != nil || len(frame) != n {
			t.Fatalf("Frame = %d units, %v; want %d", len(frame), err, n)
		}
		for _, u := range frame {
			switch u.CreditCode {
			case units[0].CreditCode:
				if u.Risk != "D" {
					t.Errorf("enterprise %s has risk %s, want D from its last row", u.CreditCode, u.Risk)
				}
			case units[2].CreditCode:
				if u.Enterprise != "改名" {
					t.Errorf("enterprise %s is named %q, want the name imported again", u.CreditCode, u.Enterprise)
				}
			}
		}
		if after := registrySchema(t, s); after != schema {
			t.Errorf("keys and indexes after the imports:\n%s\nwant as before:\n%s", after, schema)
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO units (credit_code, industry, category) VALUES ('91320500MA9999999X', 'textiles', 'garments')`); err == nil {
			t.Errorf("a unit of no enterprise was stored after a bulk import: the foreign key is gone")
		}
	})
}

// TestImportUnitsBulkRuns imports more units than bulkUnits into an empty
// registry in orders that a bulk load cannot take as they come (on
// PostgreSQL it writes each enterprise from the row that ends a run of its
// rows, and falls back to the general way when a key made again finds a
// repeat): an enterprise's rows in two runs, which is no error; rows that
// disagree on a name within a run and across runs, which are refused with
// their lines and leave the tables unchanged.
func TestImportUnitsBulkRuns(t *testing.T) {
	const firms = 6_000
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		unit := func(e int, category string) sampling.Unit {
			return sampling.Unit{CreditCode: code(t, fmt.Sprintf("91320500MA%07d", e)), Enterprise: fmt.Sprint("企业", e),
				County: "姑苏区", Industry: "textiles", Category: category, Risk: "B"}
		}
		// All garments, then all knitwear: every enterprise in two runs;
		// and each enterprise's rows together: one run each.
		var units, byFirm []sampling.Unit
		for _, category := range []string{"garments", "knitwear"} {
			for e := range firms {
				units = append(units, unit(e, category))
			}
		}
		for e := range firms {
			byFirm = append(byFirm, unit(e, "garments"), unit(e, "knitwear"))
		}
		units[firms+5].Risk = "D" // enterprise 5's last row
		schema := registrySchema(t, s)
		before := storagetest.Dump(t, s)
		for _, tc := range []struct {
			name      string
			units     []sampling.Unit
			at, first int // the row that names the enterprise otherwise, and its first row
		}{
			{"across runs", units, firms + 9, 9},
			{"within a run", byFirm, 3, 2},
		} {
			bad := slices.Clone(tc.units)
			bad[tc.at].Enterprise = "改名"
			var got []storage.LineProblem
			if _, err := s.ImportUnits(ctx, slices.All(bad), collect(&got)); err == nil {
				t.Fatalf("%s: ImportUnits accepted an enterprise named two ways", tc.name)
			}
			want := []storage.LineProblem{{Line: tc.at, Field: "name",
				Reason: fmt.Sprintf(`"改名", but line %d names credit code %s %q`, tc.first, bad[tc.at].CreditCode, bad[tc.first].Enterprise)}}
			if !slices.Equal(got, want) {
				t.Errorf("%s: ImportUnits problems = %v, want %v", tc.name, got, want)
			}
			if after := storagetest.Dump(t, s); after != before {
				t.Errorf("%s: a refused import changed the tables", tc.name)
			}
		}
		if err := s.UpsertUnits(ctx, units); err != nil {
			t.Fatal(err)
		}
		frame, err := s.Frame(ctx, "textiles")
		if err != nil || len(frame) != len(units) {
			t.Fatalf("Frame = %d units, %v; want %d", len(frame), err, len(units))
		}
		for _, u := range frame {
			want := "B"
			if u.CreditCode == units[5].CreditCode {
				want = "D"
			}
			if u.Risk != want {
				t.Errorf("enterprise %s has risk %s, want %s from its last row", u.CreditCode, u.Risk, want)
			}
		}
		if after := registrySchema(t, s); after != schema {
			t.Errorf("keys and indexes after the import:\n%s\nwant as before:\n%s", after, schema)
		}
	})
}

// TestImportInspectorsSetRules checks an id once and recusals of
// enterprises the registry holds, and that a good import replaces an
// inspector's industries and recusals.
func TestImportInspectorsSetRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		a, unknown := code(t, "91320500MA0000001"), code(t, "91320500MA0000009")
		if err := s.UpsertUnits(ctx, []sampling.Unit{{CreditCode: a, Enterprise: "甲", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"}}); err != nil {
			t.Fatal(err)
		}
		ins := []sampling.Inspector{
			{ID: "I01", Name: "张三", County: "姑苏区", Industries: []string{"textiles"}, Recusals: []string{a}},
			{ID: "I01", Name: "李四", County: "姑苏区", Industries: []string{"textiles"}},
			{ID: "I02", Name: "王五", County: "姑苏区", Industries: []string{"textiles"}, Recusals: []string{unknown}},
		}
		var got []storage.LineProblem
		if _, err := s.ImportInspectors(ctx, lines([]int{2, 3, 4}, ins), collect(&got)); err == nil {
			t.Fatal("ImportInspectors accepted a repeated id and an unknown recusal")
		}
		want := []storage.LineProblem{
			{Line: 3, Field: "id", Reason: "inspector I01 also on line 2"},
			{Line: 4, Field: "recuse", Reason: fmt.Sprintf("credit code %s is not in the registry (import the enterprises first)", unknown)},
		}
		if !slices.Equal(got, want) {
			t.Errorf("ImportInspectors problems =\n%v\nwant\n%v", got, want)
		}
		if stored, err := s.Inspectors(ctx); err != nil || len(stored) != 0 {
			t.Errorf("Inspectors = %v, %v; want none stored", stored, err)
		}
		if err := s.UpsertInspectors(ctx, ins[:1]); err != nil {
			t.Fatal(err)
		}
		if err := s.UpsertInspectors(ctx, []sampling.Inspector{{ID: "I01", Name: "张三", County: "吴江区", Industries: []string{"food", "textiles"}}}); err != nil {
			t.Fatal(err)
		}
		stored, err := s.Inspectors(ctx)
		want1 := []sampling.Inspector{{ID: "I01", Name: "张三", County: "吴江区", Industries: []string{"food", "textiles"}}}
		if err != nil || len(stored) != 1 || stored[0].County != want1[0].County || !slices.Equal(stored[0].Industries, want1[0].Industries) || len(stored[0].Recusals) != 0 {
			t.Errorf("Inspectors = %+v, %v; want %+v", stored, err, want1)
		}
	})
}

// TestImportRefusedByCaller checks that a decide refusing an import the
// store finds nothing wrong with (the caller's own problems, such as a bad
// row it did not yield) stores nothing and returns decide's error, and
// that the same import then succeeds: a refusal leaves no staging table
// behind.
func TestImportRefusedByCaller(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		a := code(t, "91320500MA0000001")
		units := []sampling.Unit{{CreditCode: a, Enterprise: "甲", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"}}
		ins := []sampling.Inspector{{ID: "I01", Name: "张三", County: "姑苏区", Industries: []string{"textiles"}}}
		errBadRow := errors.New("a bad row")
		refuse := func(p []storage.LineProblem) error {
			if len(p) > 0 {
				return fmt.Errorf("problems %v, want none", p)
			}
			return errBadRow
		}
		before := storagetest.Dump(t, s)
		if _, err := s.ImportUnits(ctx, slices.All(units), refuse); !errors.Is(err, errBadRow) {
			t.Errorf("ImportUnits refused by the caller = %v, want %v", err, errBadRow)
		}
		if _, err := s.ImportInspectors(ctx, slices.All(ins), refuse); !errors.Is(err, errBadRow) {
			t.Errorf("ImportInspectors refused by the caller = %v, want %v", err, errBadRow)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("a refused import changed the tables")
		}
		if err := s.UpsertUnits(ctx, units); err != nil {
			t.Errorf("UpsertUnits after a refused import: %v", err)
		}
		if err := s.UpsertInspectors(ctx, ins); err != nil {
			t.Errorf("UpsertInspectors after a refused import: %v", err)
		}
	})
}

// TestImportWithProblemsRefusedWhateverDecide checks that an import with
// problems stores nothing even when decide accepts them: units and
// inspectors alike (an id twice, here).
func TestImportWithProblemsRefusedWhateverDecide(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		a := code(t, "91320500MA0000001")
		unit := sampling.Unit{CreditCode: a, Enterprise: "甲", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"}
		in := sampling.Inspector{ID: "I01", Name: "张三", County: "姑苏区", Industries: []string{"textiles"}}
		var seen []storage.LineProblem
		accept := func(p []storage.LineProblem) error { seen = append(seen, p...); return nil }
		before := storagetest.Dump(t, s)
		if _, err := s.ImportUnits(ctx, slices.All([]sampling.Unit{unit, unit}), accept); err == nil || !strings.Contains(err.Error(), "import refused") {
			t.Errorf("ImportUnits of a unit twice, decide accepting = %v, want import refused", err)
		}
		if _, err := s.ImportInspectors(ctx, slices.All([]sampling.Inspector{in, in}), accept); err == nil || !strings.Contains(err.Error(), "import refused") {
			t.Errorf("ImportInspectors of an id twice, decide accepting = %v, want import refused", err)
		}
		if len(seen) != 2 {
			t.Errorf("decide was shown %d problems (%v), want the repeated unit and the repeated id", len(seen), seen)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("an import with problems changed the tables")
		}
	})
}

// TestImportUnitsNameOrCountyAloneDiffers refuses an enterprise whose rows
// differ in the name alone, and one whose rows differ in the county alone:
// either difference alone is a conflict.
func TestImportUnitsNameOrCountyAloneDiffers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		a, b := code(t, "91320500MA0000001"), code(t, "91320500MA0000002")
		units := []sampling.Unit{
			{CreditCode: a, Enterprise: "甲", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "A"},
			{CreditCode: a, Enterprise: "甲厂", County: "姑苏区", Industry: "textiles", Category: "knitwear", Risk: "A"},
			{CreditCode: b, Enterprise: "乙", County: "吴江区", Industry: "textiles", Category: "garments", Risk: "B"},
			{CreditCode: b, Enterprise: "乙", County: "姑苏区", Industry: "textiles", Category: "knitwear", Risk: "B"},
		}
		var got []storage.LineProblem
		if _, err := s.ImportUnits(t.Context(), lines([]int{2, 3, 4, 5}, units), collect(&got)); err == nil {
			t.Fatal("ImportUnits accepted the conflicts")
		}
		want := []storage.LineProblem{
			{Line: 3, Field: "name", Reason: fmt.Sprintf(`"甲厂", but line 2 names credit code %s "甲"`, a)},
			{Line: 5, Field: "county", Reason: fmt.Sprintf(`"姑苏区", but line 4 puts credit code %s in "吴江区"`, b)},
		}
		if !slices.Equal(got, want) {
			t.Errorf("ImportUnits problems =\n%v\nwant\n%v", got, want)
		}
	})
}

// TestImportUnitsIndustryChanged imports a stored unit again with another
// industry, alone (the units compared one by one with the stored ones) and
// among more than bulkUnits new units (on PostgreSQL written in bulk): the
// unit moves to the new industry, and the unchanged stay where they were.
func TestImportUnitsIndustryChanged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		unit := func(i int, industry string) sampling.Unit {
			return sampling.Unit{CreditCode: code(t, fmt.Sprintf("91320500MA%07d", i)), Enterprise: fmt.Sprint("企业", i),
				County: "姑苏区", Industry: industry, Category: "garments", Risk: "B"}
		}
		frame := func(industry string) []string {
			t.Helper()
			units, err := s.Frame(ctx, industry)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, u := range units {
				codes = append(codes, u.CreditCode)
			}
			slices.Sort(codes)
			return codes
		}
		if err := s.UpsertUnits(ctx, []sampling.Unit{unit(0, "textiles"), unit(1, "textiles")}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpsertUnits(ctx, []sampling.Unit{unit(0, "toys"), unit(1, "textiles")}); err != nil {
			t.Fatal(err)
		}
		if got, want := frame("toys"), []string{unit(0, "").CreditCode}; !slices.Equal(got, want) {
			t.Errorf("toys after the unit moved = %v, want %v", got, want)
		}
		if got, want := frame("textiles"), []string{unit(1, "").CreditCode}; !slices.Equal(got, want) {
			t.Errorf("textiles after the unit moved = %v, want %v", got, want)
		}
		// Written in bulk: the unit moves back among 12,000 new ones.
		units := []sampling.Unit{unit(0, "textiles"), unit(1, "textiles")}
		for i := 2; i < 12_002; i++ {
			units = append(units, unit(i, "garden"))
		}
		if err := s.UpsertUnits(ctx, units); err != nil {
			t.Fatal(err)
		}
		if got := frame("toys"); len(got) != 0 {
			t.Errorf("toys after the bulk import = %v, want none", got)
		}
		if got, want := frame("textiles"), []string{unit(0, "").CreditCode, unit(1, "").CreditCode}; !slices.Equal(got, want) {
			t.Errorf("textiles after the bulk import = %v, want %v", got, want)
		}
		if got := len(frame("garden")); got != 12_000 {
			t.Errorf("garden holds %d units, want 12000", got)
		}
	})
}

// TestImportUnitsWriteErrorNotRepeatReported imports a unit whose risk
// passes the text rules but not the table's check: the write fails, the
// search for units staged twice finds none, and the import returns the
// write's error and stores nothing.
func TestImportUnitsWriteErrorNotRepeatReported(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		before := storagetest.Dump(t, s)
		unit := sampling.Unit{CreditCode: code(t, "91320500MA0000001"), Enterprise: "甲", County: "姑苏区",
			Industry: "textiles", Category: "garments", Risk: "E"}
		err := s.UpsertUnits(t.Context(), []sampling.Unit{unit})
		if err == nil || !strings.Contains(err.Error(), "store enterprises") {
			t.Errorf("UpsertUnits of risk E = %v, want the enterprises' write error", err)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("a failed import changed the tables")
		}
	})
}

// TestImportUnitsCancelled cancels an import while its rows are staged: it
// stops reading them (a few batches read ahead at most), returns the
// cancellation and stores nothing.
func TestImportUnitsCancelled(t *testing.T) {
	const rows, cancelAt = 20_000, 100
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		before := storagetest.Dump(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		read := 0
		units := func(yield func(int, sampling.Unit) bool) {
			for i := range rows {
				read++
				if i == cancelAt {
					cancel()
				}
				u := sampling.Unit{CreditCode: code(t, fmt.Sprintf("91320500MA%07d", i)), Enterprise: fmt.Sprint("企业", i),
					County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"}
				if !yield(i+2, u) {
					return
				}
			}
		}
		if _, err := s.ImportUnits(ctx, units, collect(new([]storage.LineProblem))); !errors.Is(err, context.Canceled) {
			t.Errorf("ImportUnits cancelled = %v, want context.Canceled", err)
		}
		if read > rows/2 {
			t.Errorf("a cancelled import read %d of %d rows, want it to stop within a few batches of row %d", read, rows, cancelAt)
		}
		if after := storagetest.Dump(t, s); after != before {
			t.Errorf("a cancelled import changed the tables")
		}
	})
}
