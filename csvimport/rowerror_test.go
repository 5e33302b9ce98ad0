package csvimport

import (
	"strings"
	"testing"
)

// RowError places a problem found after parsing as Where does, with the
// column name and the reason.
func TestSheetRowError(t *testing.T) {
	in := "task_id,outcome,tested_on\n\n1,pass,2026-11-05\n2,pass,2026-11-05\n"
	sheet, err := Results("results.csv", strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ column, want string }{
		{"tested_on", "results.csv:4:3: tested_on: in the future"},
		{"report_no", "results.csv:4: report_no: in the future"}, // no such column
	} {
		if got := sheet.RowError(1, tc.column, "in the future").Error(); got != tc.want {
			t.Errorf("RowError(1, %s) = %q, want %q", tc.column, got, tc.want)
		}
		if got, want := sheet.RowError(1, tc.column, "in the future").Error(), sheet.Where(1, tc.column)+": "+tc.column+": in the future"; got != want {
			t.Errorf("RowError(1, %s) = %q, want Where's place %q", tc.column, got, want)
		}
	}
}
