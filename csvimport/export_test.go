package csvimport

import (
	"strconv"
	"strings"
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
