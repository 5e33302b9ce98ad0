package csvimport

import (
	"io"
	"strconv"
	"strings"

	"spotcheck/sampling"
)

// Where returns "name:line:column" for row i and the named column (column
// omitted when unknown), e.g. "results.csv:12:2". Column names are
// case-insensitive.
func (s *Sheet[T]) Where(i int, column string) string {
	w := s.Name + ":" + strconv.Itoa(s.Lines[i])
	if c, ok := s.Columns[strings.ToLower(strings.TrimSpace(column))]; ok {
		w += ":" + strconv.Itoa(c)
	}
	return w
}

// Enterprises parses the enterprise registry, one sampling unit per row:
// credit_code,name,county,industry,category[,risk]. Risk defaults to B.
// It checks each row on its own (ReadEnterprises); the rules across rows
// (a unit once, one name and county per enterprise) are the store's, which
// checks them over the whole file at once (storage.Store.ImportUnits).
func Enterprises(name string, r io.Reader, opts Options) (*Sheet[sampling.Unit], error) {
	return parse(name, r, opts, enterpriseColumns, enterprise(opts))
}

// Inspectors parses the inspectors: id,name,county,industries[,recuse].
// Industries and recuse are lists split by ";"; an inspector needs at least
// one industry, and recuse holds the credit codes of enterprises the
// inspector must not inspect. It checks each row on its own
// (ReadInspectors); the rules across rows and against the registry (an id
// once, recusals of enterprises the registry holds) are the store's
// (storage.Store.ImportInspectors).
func Inspectors(name string, r io.Reader, opts Options) (*Sheet[sampling.Inspector], error) {
	return parse(name, r, opts, inspectorColumns, inspector(opts))
}
