package csvimport

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
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

// table is a CSV file being read: its columns and the errors found so far.
type table struct {
	file  string
	cols  map[string]int // column name -> 0-based index
	names []string       // column names by index, for going through a row's cells in order
	errs  []*RowError
}

// row is one non-blank record with as many cells as the header.
type row struct {
	t       *table
	line    int
	cells   []string
	bad     bool
	badCell []bool // by column index: cells that break the text rules, not checked further
}

// Rows is a CSV file read row by row: its header has been read, and All
// reads the rest, yielding each row that passes the checks of one row
// while collecting the problems of the others. Memory does not grow with
// the file, except for the problems found.
type Rows[T any] struct {
	t     *table
	cr    *csv.Reader
	src   *lineReader
	conv  func(*row) T
	row   row   // the row being converted, reused: conv does not keep it
	fatal error // a read error: the rest of the file was not read
	// split counts the lines read without encoding/csv (see next): the
	// lines it numbers are those it read, and these come on top.
	split  int
	record []string // the cells of a line split, reused
	// csvOnly has encoding/csv read every line, for tests that compare.
	csvOnly bool
}

// open decodes the input as it is read and reads the header, which must
// be valid. Bad rows are collected as All reads them.
func open[T any](name string, r io.Reader, opts Options, s schema, conv func(*row) T) (*Rows[T], error) {
	t := &table{file: name}
	if name == "-" {
		t.file = "stdin"
	}
	text, check, err := decoder(t.file, r, opts.Encoding)
	if err != nil {
		return nil, err
	}
	src := newLineReader(t.file, text, check)
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rs := &Rows[T]{t: t, cr: cr, src: src, conv: conv}
	header, err := cr.Read()
	switch {
	case len(src.bad) > 0:
		return nil, joinErrors(src.bad)
	case err == io.EOF:
		return nil, &RowError{File: t.file, Line: 1, Reason: "empty file, want header " + s.String()}
	case err != nil:
		return nil, rs.readError(err)
	}
	line, _ := cr.FieldPos(0)
	if err := t.header(line, header, s); err != nil {
		return nil, err
	}
	rs.row.badCell = make([]bool, len(t.names))
	return rs, nil
}

// Name returns the file's name as errors give it ("stdin" for "-").
func (rs *Rows[T]) Name() string { return rs.t.file }

// Columns returns the 1-based column of each header name (lowercase).
func (rs *Rows[T]) Columns() map[string]int {
	cols := make(map[string]int, len(rs.t.cols))
	for col, i := range rs.t.cols {
		cols[col] = i + 1
	}
	return cols
}

// All reads the rest of the file, yielding each good row with its 1-based
// line. It stops at a CSV syntax error, after which the file cannot be
// trusted; Err reports it with the other problems.
func (rs *Rows[T]) All() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		t, width := rs.t, len(rs.t.cols)
		for {
			cells, line, err := rs.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				rs.fatal = rs.readError(err)
				return
			}
			blank := true
			for i, c := range cells {
				// Most cells start and end with printable ASCII, which
				// TrimSpace would return as they are.
				if c == "" || !(' ' < c[0] && c[0] < utf8.RuneSelf && ' ' < c[len(c)-1] && c[len(c)-1] < utf8.RuneSelf) {
					c = strings.TrimSpace(c)
					cells[i] = c
				}
				blank = blank && c == ""
			}
			switch {
			case blank: // spreadsheets write empty rows as ",,,"
				continue
			case len(cells) != width:
				t.errs = append(t.errs, &RowError{File: t.file, Line: line,
					Reason: fmt.Sprintf("%d fields, want %d as in the header", len(cells), width)})
				continue
			}
			r := &rs.row
			*r = row{t: t, line: line, cells: cells, badCell: r.badCell}
			clear(r.badCell)
			// The text rules (control characters, lengths) come first: a
			// cell that breaks them is reported for that and not checked
			// further.
			for i, col := range t.names {
				if e := sampling.CheckText(col, cells[i]); e != nil {
					r.errorf(col, "%s", e.Reason)
					r.badCell[i] = true
				}
			}
			v := rs.conv(r)
			if !r.bad && !yield(line, v) {
				return
			}
		}
	}
}

// next reads the next record: its cells and line. A line without a quote
// is a record of the cells between its commas, as encoding/csv would read
// it, and is split here at a fraction of the cost; encoding/csv reads the
// others, which may go on for more lines or be wrong.
func (rs *Rows[T]) next() ([]string, int, error) {
	for !rs.csvOnly {
		raw, err := rs.src.readLine()
		switch {
		case raw == nil && err == io.EOF:
			return nil, 0, io.EOF
		case raw == nil && err == nil, // not at the start of a line
			err != nil && err != io.EOF, bytes.IndexByte(raw, '"') >= 0:
			rs.src.unread(raw)
			return rs.csvNext()
		}
		rs.split++
		// As encoding/csv: a \r before the end of the file is dropped, a
		// line ends with \r\n or \n, and an empty line is no record.
		b := raw
		if err == io.EOF && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
		if n := len(b); n >= 2 && b[n-2] == '\r' && b[n-1] == '\n' {
			b = b[:n-2]
		} else if n >= 1 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if len(b) == 0 {
			continue
		}
		str := string(b)
		cells := rs.record[:0]
		for {
			i := strings.IndexByte(str, ',')
			if i < 0 {
				break
			}
			cells = append(cells, str[:i])
			str = str[i+1:]
		}
		rs.record = append(cells, str)
		return rs.record, rs.src.n, nil
	}
	return rs.csvNext()
}

// csvNext reads the next record with encoding/csv.
func (rs *Rows[T]) csvNext() ([]string, int, error) {
	cells, err := rs.cr.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ := rs.cr.FieldPos(0)
	return cells, line + rs.split, nil
}

// RowError returns the error of the row on line about the named column:
// a problem found after reading, such as by the store.
func (rs *Rows[T]) RowError(line int, column, reason string) *RowError {
	e := &RowError{File: rs.t.file, Line: line, Field: column, Reason: reason}
	if i, ok := rs.t.cols[strings.ToLower(strings.TrimSpace(column))]; ok {
		e.Column = i + 1
	}
	return e
}

// Err returns, after All, the file's problems in file order together with
// more (found elsewhere, such as rules across rows), or nil when there are
// none. Lines that are not text in the file's encoding are reported alone:
// the rows read from them mean nothing.
func (rs *Rows[T]) Err(more ...*RowError) error {
	if len(rs.src.bad) > 0 {
		return joinErrors(rs.src.bad)
	}
	errs := slices.Concat(rs.t.errs, more)
	if rs.fatal != nil {
		var re *RowError
		if !errors.As(rs.fatal, &re) {
			return rs.fatal
		}
		errs = append(errs, re)
	}
	return joinErrors(errs)
}

// parse reads a whole file laid out as s into a Sheet, converting each row
// with conv, which reports problems through the row. It returns every
// problem at once.
func parse[T any](name string, r io.Reader, opts Options, s schema, conv func(*row) T) (*Sheet[T], error) {
	rs, err := open(name, r, opts, s, conv)
	if err != nil {
		return nil, err
	}
	sheet := &Sheet[T]{Name: rs.Name(), Columns: rs.Columns()}
	for line, v := range rs.All() {
		sheet.Rows = append(sheet.Rows, v)
		sheet.Lines = append(sheet.Lines, line)
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	return sheet, nil
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
			name = known[slices.Index(known, name)] // see index
		}
		t.names = append(t.names, name)
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

// readError turns an encoding/csv error into a RowError, converting its
// byte offset into a character position, which is what editors show.
func (rs *Rows[T]) readError(err error) error {
	var re *RowError
	if errors.As(err, &re) {
		return re
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &RowError{File: rs.t.file, Line: max(rs.src.n, 1), Reason: err.Error()}
	}
	// encoding/csv numbers the lines it read.
	start, end := pe.StartLine+rs.split, pe.Line+rs.split
	col := pe.Column
	if line, ok := rs.src.line(end); ok {
		col = utf8.RuneCount(line[:min(max(pe.Column-1, 0), len(line))]) + 1
	}
	e := &RowError{File: rs.t.file, Line: end, Column: col, Reason: pe.Err.Error()}
	if start != end {
		e.Reason += fmt.Sprintf(" (in the row starting on line %d)", start)
	}
	return e
}

// index returns the 0-based index of the named column. The names held are
// the schema's own strings, the same as the literals that name columns in
// the code, so that each comparison of a search through a handful of them
// is of one pointer, which a lookup in cols, hashing the name, is not.
func (t *table) index(column string) (int, bool) {
	for i, name := range t.names {
		if name == column {
			return i, true
		}
	}
	return 0, false
}

// cell returns the trimmed cell of the named column, "" when the column is absent.
func (r *row) cell(column string) string {
	if i, ok := r.t.index(column); ok {
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

// isBad reports whether the cell of the named column breaks the text rules.
func (r *row) isBad(column string) bool {
	i, ok := r.t.index(column)
	return ok && r.badCell[i]
}

// errorf marks the row bad and records why, at the named column; a cell
// that breaks the text rules has been reported for that alone.
func (r *row) errorf(column, format string, args ...any) {
	r.bad = true
	if r.isBad(column) {
		return
	}
	e := &RowError{File: r.t.file, Line: r.line, Field: column, Reason: fmt.Sprintf(format, args...)}
	if i, ok := r.t.index(column); ok {
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
