package csvimport

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"spotcheck/sampling"
)

// schema names a file's columns.
type schema struct {
	required, optional []string
}

// String returns the expected header, e.g. "task_id,outcome,tested_on[,report_no]".
func (s schema) String() string {
	h := strings.Join(s.required, ",")
	if len(s.optional) > 0 {
		h += "[," + strings.Join(s.optional, ",") + "]"
	}
	return h
}

// table is a decoded CSV file: its columns, its rows and the errors found so far.
type table struct {
	file string
	cols map[string]int // column name -> 0-based index
	rows []*row
	errs []*RowError
}

// row is one non-blank record with as many cells as the header.
type row struct {
	t       *table
	line    int
	cells   []string
	bad     bool
	badCell map[string]bool // columns that break the text rules: not checked further
}

// parse reads a file laid out as s and converts each row with conv, which
// reports problems through the row. It returns every problem at once.
func parse[T any](name string, r io.Reader, opts Options, s schema, conv func(*row) T) (*Sheet[T], error) {
	t, err := read(name, r, opts, s)
	if err != nil {
		return nil, err
	}
	sheet := &Sheet[T]{Name: t.file, Columns: make(map[string]int, len(t.cols))}
	for col, i := range t.cols {
		sheet.Columns[col] = i + 1
	}
	for _, row := range t.rows {
		// The text rules (control characters, lengths) come first: a cell
		// that breaks them is reported for that and not checked further.
		for col, i := range t.cols {
			if e := sampling.CheckText(col, row.cells[i]); e != nil {
				row.errorf(col, "%s", e.Reason)
				if row.badCell == nil {
					row.badCell = map[string]bool{}
				}
				row.badCell[col] = true
			}
		}
		v := conv(row)
		if !row.bad {
			sheet.Rows = append(sheet.Rows, v)
			sheet.Lines = append(sheet.Lines, row.line)
		}
	}
	if err := joinErrors(t.errs); err != nil {
		return nil, err
	}
	return sheet, nil
}

// read decodes the input and splits it into rows under a valid header. A
// bad header is returned as an error; bad rows are collected in the table.
func read(name string, r io.Reader, opts Options, s schema) (*table, error) {
	t := &table{file: name}
	if name == "-" {
		t.file = "stdin"
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.file, err)
	}
	text, err := decode(t.file, data, opts.Encoding)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &RowError{File: t.file, Line: 1, Reason: "empty file, want header " + s.String()}
	}
	if err != nil {
		return nil, t.syntaxError(text, err)
	}
	line, _ := cr.FieldPos(0)
	if err := t.header(line, header, s); err != nil {
		return nil, err
	}
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// The rest of the file cannot be trusted after a quoting error.
			t.errs = append(t.errs, t.syntaxError(text, err))
			break
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for i, c := range cells {
			cells[i] = strings.TrimSpace(c)
			blank = blank && cells[i] == ""
		}
		switch {
		case blank: // spreadsheets write empty rows as ",,,"
		case len(cells) != len(header):
			t.errs = append(t.errs, &RowError{File: t.file, Line: line,
				Reason: fmt.Sprintf("%d fields, want %d as in the header", len(cells), len(header))})
		default:
			t.rows = append(t.rows, &row{t: t, line: line, cells: cells})
		}
	}
	return t, nil
}

// header maps column names to indexes, rejecting unknown, repeated and
// missing columns.
func (t *table) header(line int, names []string, s schema) error {
	known := slices.Concat(s.required, s.optional)
	t.cols = make(map[string]int)
	var errs []*RowError
	for i, name := range names {
		name = strings.ToLower(strings.TrimSpace(name))
		if j, ok := t.cols[name]; ok {
			errs = append(errs, &RowError{File: t.file, Line: line, Column: i + 1,
				Reason: fmt.Sprintf("column %q repeats column %d", name, j+1)})
		} else if !slices.Contains(known, name) {
			errs = append(errs, &RowError{File: t.file, Line: line, Column: i + 1,
				Reason: fmt.Sprintf("unknown column %q (accepted: %s)", name, strings.Join(known, ", "))})
		} else {
			t.cols[name] = i
		}
	}
	var missing []string
	for _, name := range s.required {
		if _, ok := t.cols[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		noun := "column"
		if len(missing) > 1 {
			noun = "columns"
		}
		errs = append(errs, &RowError{File: t.file, Line: line,
			Reason: fmt.Sprintf("missing %s %s (want header %s)", noun, strings.Join(missing, ", "), s)})
	}
	return joinErrors(errs)
}

// syntaxError turns an encoding/csv error into a RowError, converting its
// byte offset into a character position, which is what editors show.
func (t *table) syntaxError(text []byte, err error) *RowError {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &RowError{File: t.file, Line: 1, Reason: err.Error()}
	}
	col := pe.Column
	n := 0
	for line := range bytes.Lines(text) {
		if n++; n == pe.Line {
			col = utf8.RuneCount(line[:min(max(pe.Column-1, 0), len(line))]) + 1
			break
		}
	}
	e := &RowError{File: t.file, Line: pe.Line, Column: col, Reason: pe.Err.Error()}
	if pe.StartLine != pe.Line {
		e.Reason += fmt.Sprintf(" (in the row starting on line %d)", pe.StartLine)
	}
	return e
}

// cell returns the trimmed cell of the named column, "" when the column is absent.
func (r *row) cell(column string) string {
	if i, ok := r.t.cols[column]; ok {
		return r.cells[i]
	}
	return ""
}

// required returns the cell of the named column, reporting it when empty.
func (r *row) required(column string) string {
	v := r.cell(column)
	if v == "" {
		r.errorf(column, "must not be empty")
	}
	return v
}

// errorf marks the row bad and records why, at the named column; a cell
// that breaks the text rules has been reported for that alone.
func (r *row) errorf(column, format string, args ...any) {
	r.bad = true
	if r.badCell[column] {
		return
	}
	e := &RowError{File: r.t.file, Line: r.line, Field: column, Reason: fmt.Sprintf(format, args...)}
	if i, ok := r.t.cols[column]; ok {
		e.Column = i + 1
	}
	r.t.errs = append(r.t.errs, e)
}

// joinErrors joins errs in file order, or returns nil when there are none.
func joinErrors(errs []*RowError) error {
	slices.SortStableFunc(errs, func(a, b *RowError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
