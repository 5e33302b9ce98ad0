package csvimport

import (
	"strings"
	"testing"
)

func TestResultsRetestColumn(t *testing.T) {
	in := "task_id,outcome,tested_on,failed_items,retest\n" +
		"1,pass,2026-11-05,,\n" +
		"2,合格,2026-11-05,,是\n" +
		"3,pass,2026-11-05,,yes\n" +
		"4,pass,2026-11-05,,maybe\n"
	_, err := Results("results.csv", strings.NewReader(in), Options{})
	if err == nil || err.Error() != `results.csv:5:5: retest: "maybe" is not yes or no` {
		t.Fatalf("Results() error = %v, want line 5 column 5 rejected", err)
	}
	sheet, err := Results("results.csv", strings.NewReader(strings.TrimSuffix(in, "4,pass,2026-11-05,,maybe\n")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true, true} {
		if got := sheet.Rows[i].Retest; got != want {
			t.Errorf("row %d Retest = %t, want %t", i+1, got, want)
		}
	}
}
