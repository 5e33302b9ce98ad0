// Package csvimport parses the CSV files that administrators and inspectors
// import: the enterprise registry, the inspectors and test results. It reads
// only the io.Reader it is given, and rejects a whole file when any row is
// bad, listing every bad row with its file, line, column and reason.
package csvimport

import (
	"fmt"
	"slices"
	"strings"
)

// Options control how a file is read.
type Options struct {
	// Encoding of the input: "" or "auto" detects (UTF-8 with or without
	// BOM, else GB18030), "utf-8", "gb18030".
	Encoding string
	// Industries, when not nil, lists the configured industries with their
	// categories; an enterprise row naming another is an error.
	Industries map[string][]string
	// Counties, when not nil, lists the configured counties; an enterprise
	// or inspector row in another is an error.
	Counties []string
}

// checkCounty reports a county that the configuration does not list.
func (r *row) checkCounty(column, county string, counties []string) {
	if counties != nil && county != "" && !r.isBad(column) && !slices.Contains(counties, county) {
		r.errorf(column, "%q is not a county of the configuration (known: %s)", county, strings.Join(counties, ", "))
	}
}

// Sheet holds parsed rows with where each came from.
type Sheet[T any] struct {
	Name    string         // file name used in errors ("-" shown as "stdin")
	Rows    []T            // the rows in file order
	Lines   []int          // Lines[i] is the 1-based line number of Rows[i] in the file
	Columns map[string]int // header name (lowercase) -> 1-based column number
}

// RowError returns the error of row i about the named column, placed as
// Where places it: a problem found after parsing, such as by the store.
func (s *Sheet[T]) RowError(i int, column, reason string) *RowError {
	return &RowError{File: s.Name, Line: s.Lines[i], Column: s.Columns[strings.ToLower(strings.TrimSpace(column))],
		Field: column, Reason: reason}
}

// RowError is one bad cell or row.
type RowError struct {
	File   string
	Line   int    // 1-based physical line in the file
	Column int    // 1-based column of the cell; for CSV syntax errors, the character position in the line; 0 when unknown
	Field  string // column name, "" when the error is not about one cell
	Reason string
}

// Error returns "file:line[:column]: [field: ]reason", e.g.
// `results.csv:12:2: outcome: "passed" is not pass or fail`.
func (e *RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d", e.File, e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ":%d", e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}
