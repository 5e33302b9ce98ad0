package csvimport

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"spotcheck/sampling"
)

var update = flag.Bool("update", false, "rewrite testdata/enterprises.gb18030.csv from enterprises.utf8.csv")

// readFixture returns the bytes of testdata/name.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestGB18030Fixture keeps the GB18030 fixture the exact encoding of its
// UTF-8 twin; run with -update after editing the twin.
func TestGB18030Fixture(t *testing.T) {
	want, err := simplifiedchinese.GB18030.NewEncoder().Bytes(readFixture(t, "enterprises.utf8.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "enterprises.gb18030.csv")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := readFixture(t, "enterprises.gb18030.csv")
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not the GB18030 encoding of enterprises.utf8.csv; run go test -update", path)
	}
	if utf8.Valid(got) {
		t.Errorf("%s is valid UTF-8, so it does not exercise detection", path)
	}
}

func TestEnterprises(t *testing.T) {
	chinese := []sampling.Unit{
		{CreditCode: "91320500000000001W", Enterprise: "苏州市姑苏区稻香村食品有限公司", County: "姑苏区", Industry: "food", Category: "糕点", Risk: "A"},
		{CreditCode: "91320500000000001W", Enterprise: "苏州市姑苏区稻香村食品有限公司", County: "姑苏区", Industry: "food", Category: "食用油", Risk: "B"},
		{CreditCode: "913205001234567013", Enterprise: "吴江区“鲈乡”调味品厂（普通合伙）", County: "吴江区", Industry: "food", Category: "酱油", Risk: "C"},
		{CreditCode: "91320500765432101D", Enterprise: "𠮷野家餐饮·苏州有限公司", County: "工业园区", Industry: "food", Category: "餐饮具", Risk: "D"},
	}
	bom := []sampling.Unit{
		{CreditCode: "91320500888888801K", Enterprise: "Acme Foods, Ltd.", County: "Gusu", Industry: "food", Category: "biscuits", Risk: "B"},
		{CreditCode: "91320500888888801K", Enterprise: "Acme Foods, Ltd.", County: "Gusu", Industry: "food", Category: "candy", Risk: "B"},
		{CreditCode: "913205006666666021", Enterprise: "Widget Co", County: "Wuzhong", Industry: "industrial", Category: "widgets", Risk: "B"},
	}
	tests := []struct {
		file     string
		encoding string
		want     []sampling.Unit
		lines    []int
	}{
		{"enterprises.utf8.csv", "", chinese, []int{2, 3, 4, 5}},
		{"enterprises.gb18030.csv", "", chinese, []int{2, 3, 4, 5}},
		{"enterprises.gb18030.csv", "GB18030", chinese, []int{2, 3, 4, 5}},
		{"enterprises.bom.csv", "auto", bom, []int{3, 5, 6}},
		{"enterprises.bom.csv", "utf-8", bom, []int{3, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.encoding, func(t *testing.T) {
			s, err := Enterprises(tt.file, bytes.NewReader(readFixture(t, tt.file)), Options{Encoding: tt.encoding})
			if err != nil {
				t.Fatalf("Enterprises(%s) error: %v", tt.file, err)
			}
			if !reflect.DeepEqual(s.Rows, tt.want) {
				t.Errorf("Enterprises(%s).Rows = %q, want %q", tt.file, s.Rows, tt.want)
			}
			if !reflect.DeepEqual(s.Lines, tt.lines) {
				t.Errorf("Enterprises(%s).Lines = %v, want %v", tt.file, s.Lines, tt.lines)
			}
			if s.Name != tt.file {
				t.Errorf("Enterprises(%s).Name = %q, want %q", tt.file, s.Name, tt.file)
			}
		})
	}
}

func TestInspectors(t *testing.T) {
	s, err := Inspectors("inspectors.good.csv", bytes.NewReader(readFixture(t, "inspectors.good.csv")), Options{})
	if err != nil {
		t.Fatalf("Inspectors error: %v", err)
	}
	want := []sampling.Inspector{
		{ID: "I01", Name: "张三", County: "姑苏区", Industries: []string{"food", "cosmetics"}, Recusals: []string{"91320500000000001W", "913205001234567013"}},
		{ID: "I02", Name: "李四", County: "吴江区", Industries: []string{"food"}},
		{ID: "I03", Name: "王五", County: "工业园区", Industries: []string{"industrial"}},
	}
	if !reflect.DeepEqual(s.Rows, want) {
		t.Errorf("Inspectors(inspectors.good.csv).Rows = %q, want %q", s.Rows, want)
	}
}

func TestResults(t *testing.T) {
	s, err := Results("results.good.csv", bytes.NewReader(readFixture(t, "results.good.csv")), Options{})
	if err != nil {
		t.Fatalf("Results error: %v", err)
	}
	want := []sampling.Result{
		{TaskID: 1, Outcome: "pass", TestedOn: "2026-11-28", ReportNo: "R-001"},
		{TaskID: 2, Outcome: "pass", TestedOn: "2026-01-05"},
		{TaskID: 3, Outcome: "fail", TestedOn: "2026-11-28", ReportNo: "R-003", FailedItems: "菌落总数; 大肠菌群\n超标"},
		{TaskID: 4, Outcome: "fail", TestedOn: "2026-01-05", FailedItems: "过氧化值"},
	}
	if !reflect.DeepEqual(s.Rows, want) {
		t.Errorf("Results(results.good.csv).Rows = %+v, want %+v", s.Rows, want)
	}
	if want := []int{2, 3, 4, 6}; !reflect.DeepEqual(s.Lines, want) {
		t.Errorf("Results(results.good.csv).Lines = %v, want %v", s.Lines, want)
	}
	for _, tt := range []struct {
		i      int
		column string
		want   string
	}{
		{0, "task_id", "results.good.csv:2:1"},
		{3, "Failed_Items", "results.good.csv:6:5"},
		{2, "nope", "results.good.csv:4"},
	} {
		if got := s.Where(tt.i, tt.column); got != tt.want {
			t.Errorf("Where(%d, %q) = %q, want %q", tt.i, tt.column, got, tt.want)
		}
	}
}

// parser adapts the three parsers to one signature for error tables.
type parser func(name string, r io.Reader, opts Options) error

func enterprises(name string, r io.Reader, opts Options) error {
	_, err := Enterprises(name, r, opts)
	return err
}

func inspectors(name string, r io.Reader, opts Options) error {
	_, err := Inspectors(name, r, opts)
	return err
}

func results(name string, r io.Reader, opts Options) error {
	_, err := Results(name, r, opts)
	return err
}

// errorLines returns the lines of err's text, nil for a nil error.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// TestBadFiles checks each row on its own; the rules across rows
// (duplicates, an enterprise's name and county) are the store's, tested
// on the same files in cmd/spotcheck (TestBadImportFiles).
func TestBadFiles(t *testing.T) {
	tests := []struct {
		file     string
		parse    parser
		encoding string
		want     []string
	}{
		{"enterprises.bad.csv", enterprises, "", []string{
			`enterprises.bad.csv:3:1: credit_code: credit code "91320500000000001X": check character is 'X', want 'W'`,
			`enterprises.bad.csv:4:2: name: must not be empty`,
			`enterprises.bad.csv:4:6: risk: "E" is not A, B, C or D`,
			`enterprises.bad.csv:7: 4 fields, want 6 as in the header`,
			`enterprises.bad.csv:9:1: credit_code: credit code "123" has 3 characters, want 18`,
			`enterprises.bad.csv:10:2: name: must not be empty`,
			`enterprises.bad.csv:10:3: county: must not be empty`,
			`enterprises.bad.csv:10:4: industry: must not be empty`,
			`enterprises.bad.csv:10:5: category: must not be empty`,
		}},
		{"inspectors.bad.csv", inspectors, "", []string{
			`inspectors.bad.csv:4:3: county: must not be empty`,
			`inspectors.bad.csv:4:4: industries: must list at least one industry`,
			`inspectors.bad.csv:4:5: recuse: credit code "91320500000000001X": check character is 'X', want 'W'`,
			`inspectors.bad.csv:4:5: recuse: credit code "ABC" has 3 characters, want 18`,
			`inspectors.bad.csv:5:1: id: must not be empty`,
		}},
		{"results.bad.csv", results, "", []string{
			`results.bad.csv:2:2: outcome: "passed" is not pass or fail`,
			`results.bad.csv:3:1: task_id: "0" is not a positive integer`,
			`results.bad.csv:4:1: task_id: "x" is not a positive integer`,
			`results.bad.csv:5:3: tested_on: "2026-02-30" is not a real date`,
			`results.bad.csv:6:3: tested_on: "28/11/2026" is not a date like 2026-11-28 or 2026/11/28`,
			`results.bad.csv:7:5: failed_items: a failed batch must name its failed items`,
			`results.bad.csv:8:5: failed_items: a passed batch has no failed items`,
			`results.bad.csv:10:1: task_id: task 9 also on line 9`,
			`results.bad.csv:12:3: tested_on: must not be empty`,
			`results.bad.csv:13: 4 fields, want 5 as in the header`,
		}},
		{"results.syntax.csv", results, "", []string{
			`results.syntax.csv:2:2: outcome: "passed" is not pass or fail`,
			`results.syntax.csv:4:17: bare " in non-quoted-field`,
		}},
		{"enterprises.gb18030.csv", enterprises, "utf-8", []string{
			`enterprises.gb18030.csv:2: invalid UTF-8 (is the file GB18030?)`,
			`enterprises.gb18030.csv:3: invalid UTF-8 (is the file GB18030?)`,
			`enterprises.gb18030.csv:4: invalid UTF-8 (is the file GB18030?)`,
			`enterprises.gb18030.csv:5: invalid UTF-8 (is the file GB18030?)`,
		}},
		{"enterprises.gb18030.csv", enterprises, "latin1", []string{
			`enterprises.gb18030.csv: unknown encoding "latin1" (want auto, utf-8 or gb18030)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.encoding, func(t *testing.T) {
			err := tt.parse(tt.file, bytes.NewReader(readFixture(t, tt.file)), Options{Encoding: tt.encoding})
			checkErrors(t, tt.file, err, tt.want)
		})
	}
}

// checkErrors compares err's lines with want, one line per *RowError.
func checkErrors(t *testing.T, input string, err error, want []string) {
	t.Helper()
	got := errorLines(err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parse(%s) errors =\n%s\nwant\n%s", input, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range u.Unwrap() {
			if _, ok := e.(*RowError); !ok {
				t.Errorf("parse(%s) joined %T (%v), want *RowError", input, e, e)
			}
		}
	}
}

func TestInline(t *testing.T) {
	tests := []struct {
		name  string
		parse parser
		input string
		want  []string // nil: no error
	}{
		{"header case and order", results, " TESTED_ON ,Task_Id,outcome\n2026-11-28,1,pass\n", nil},
		{"header only", inspectors, "id,name,county,industries\n", nil},
		{"empty file", results, "", []string{
			`results.csv:1: empty file, want header task_id,outcome,tested_on[,report_no,failed_items,retest]`}},
		{"missing columns", enterprises, "credit_code,name,industry\n", []string{
			`results.csv:1: missing columns county, category (want header credit_code,name,county,industry,category[,risk])`}},
		{"missing column", inspectors, "\n\nid,name,county\nI01,x,y\n", []string{
			`results.csv:3: missing column industries (want header id,name,county,industries[,recuse])`}},
		{"unknown and repeated columns", results, "task_id,outcome,tested_on,Outcome,notes\n1,pass,2026-11-28,pass,x\n", []string{
			`results.csv:1:4: column "outcome" repeats column 2`,
			`results.csv:1:5: unknown column "notes" (accepted: task_id, outcome, tested_on, report_no, failed_items, retest)`}},
		{"fail without failed_items column", results, "task_id,outcome,tested_on\n7,不合格,2026-11-28\n", []string{
			`results.csv:2: failed_items: a failed batch must name its failed items`}},
		{"quote in header", results, "task_id,\"outcome\n1,pass\n", []string{
			`results.csv:2:8: extraneous or missing " in quoted-field (in the row starting on line 1)`}},
		{"invalid utf-8 after BOM", enterprises, "\uFEFFcredit_code,name,county,industry,category\n913205006666666021,\xff\xfe,x,y,z\n", []string{
			`results.csv:2: invalid UTF-8 (is the file GB18030?)`}},
		{"invalid gb18030", enterprises, "credit_code,name,county,industry,category\n913205006666666021,\xff\xfe,x,y,z\n", []string{
			`results.csv:2: neither UTF-8 nor GB18030 (check the file's encoding, or give --encoding)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse("results.csv", strings.NewReader(tt.input), Options{})
			checkErrors(t, tt.name, err, tt.want)
		})
	}
}

func TestStdin(t *testing.T) {
	s, err := Results("-", strings.NewReader("task_id,outcome,tested_on\n1,pass,2026/1/5\n"), Options{})
	if err != nil {
		t.Fatalf("Results(-) error: %v", err)
	}
	if got, want := s.Where(0, "tested_on"), "stdin:2:3"; got != want {
		t.Errorf("Where(0, tested_on) = %q, want %q", got, want)
	}
	_, err = Results("-", strings.NewReader("task_id,outcome,tested_on\n1,ok,2026/1/5\n"), Options{})
	var re *RowError
	if !errors.As(err, &re) {
		t.Fatalf("Results(-) error = %v, want a *RowError", err)
	}
	want := RowError{File: "stdin", Line: 2, Column: 2, Field: "outcome", Reason: `"ok" is not pass or fail`}
	if *re != want {
		t.Errorf("Results(-) error = %+v, want %+v", *re, want)
	}
}

func TestRowErrorText(t *testing.T) {
	tests := []struct {
		err  RowError
		want string
	}{
		{RowError{"results.csv", 12, 2, "outcome", `"passed" is not pass or fail`}, `results.csv:12:2: outcome: "passed" is not pass or fail`},
		{RowError{"results.csv", 12, 0, "failed_items", "a failed batch must name its failed items"}, `results.csv:12: failed_items: a failed batch must name its failed items`},
		{RowError{"results.csv", 7, 0, "", "4 fields, want 5 as in the header"}, `results.csv:7: 4 fields, want 5 as in the header`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.err, got, tt.want)
		}
	}
}
