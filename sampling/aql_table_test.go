package sampling

import (
	"strconv"
	"strings"
	"testing"
)

// The tables of ISO 2859-1 (GB/T 2828.1, ANSI/ASQ Z1.4) written out cell
// by cell as printed in the standard, independently of aql.go's compact
// encoding, so that every cell of the code is checked against the book.

// isoLotRanges are Table 1's lot size ranges, as printed.
var isoLotRanges = [15][2]int{
	{2, 8}, {9, 15}, {16, 25}, {26, 50}, {51, 90}, {91, 150}, {151, 280},
	{281, 500}, {501, 1200}, {1201, 3200}, {3201, 10000}, {10001, 35000},
	{35001, 150000}, {150001, 500000}, {500001, 10000000},
}

// isoTable1 is Table 1: one row per lot size range, the code letters at
// levels S-1, S-2, S-3, S-4, I, II, III.
var isoTable1 = [15]string{
	"A A A A A A B", // 2 to 8
	"A A A A A B C", // 9 to 15
	"A A B B B C D", // 16 to 25
	"A B B C C D E", // 26 to 50
	"B B C C C E F", // 51 to 90
	"B B C D D F G", // 91 to 150
	"B C D E E G H", // 151 to 280
	"B C D E F H J", // 281 to 500
	"C C E F G J K", // 501 to 1200
	"C D E G H K L", // 1201 to 3200
	"C D F G J L M", // 3201 to 10000
	"C D F H K M N", // 10001 to 35000
	"D E G J L N P", // 35001 to 150000
	"D E G J M P Q", // 150001 to 500000
	"D E H K N Q R", // 500001 and over
}

// isoTable2A is Table 2-A, single sampling plans for normal inspection:
// code letter, sample size, then one cell per AQL from 0.010 to 1000: "v"
// (use the first plan below the arrow), "^" (the first plan above), or
// "Ac,Re". Row A's 10 and row R's 0.015 are the arrows the standard turns
// back into the table.
var isoTable2A = [16]string{
	//          .010 .015 .025 .040 .065 .10 .15 .25 .40 .65 1.0 1.5 2.5 4.0 6.5  10   15   25   40   65   100   150   250   400   650  1000
	"A 2        v    v    v    v    v    v   v   v   v   v   v   v   v   v   0,1  v    v    1,2  2,3  3,4  5,6   7,8   10,11 14,15 21,22 30,31",
	"B 3        v    v    v    v    v    v   v   v   v   v   v   v   v   0,1 ^    v    1,2  2,3  3,4  5,6  7,8   10,11 14,15 21,22 30,31 44,45",
	"C 5        v    v    v    v    v    v   v   v   v   v   v   v   0,1 ^   v    1,2  2,3  3,4  5,6  7,8  10,11 14,15 21,22 30,31 44,45 ^",
	"D 8        v    v    v    v    v    v   v   v   v   v   v   0,1 ^   v   1,2  2,3  3,4  5,6  7,8  10,11 14,15 21,22 30,31 44,45 ^    ^",
	"E 13       v    v    v    v    v    v   v   v   v   v   0,1 ^   v   1,2 2,3  3,4  5,6  7,8  10,11 14,15 21,22 30,31 44,45 ^    ^    ^",
	"F 20       v    v    v    v    v    v   v   v   v   0,1 ^   v   1,2 2,3 3,4  5,6  7,8  10,11 14,15 21,22 ^    ^     ^     ^     ^     ^",
	"G 32       v    v    v    v    v    v   v   v   0,1 ^   v   1,2 2,3 3,4 5,6  7,8  10,11 14,15 21,22 ^    ^    ^     ^     ^     ^     ^",
	"H 50       v    v    v    v    v    v   v   0,1 ^   v   1,2 2,3 3,4 5,6 7,8  10,11 14,15 21,22 ^    ^    ^    ^     ^     ^     ^     ^",
	"J 80       v    v    v    v    v    v   0,1 ^   v   1,2 2,3 3,4 5,6 7,8 10,11 14,15 21,22 ^   ^    ^    ^    ^     ^     ^     ^     ^",
	"K 125      v    v    v    v    v    0,1 ^   v   1,2 2,3 3,4 5,6 7,8 10,11 14,15 21,22 ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
	"L 200      v    v    v    v    0,1  ^   v   1,2 2,3 3,4 5,6 7,8 10,11 14,15 21,22 ^  ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
	"M 315      v    v    v    0,1  ^    v   1,2 2,3 3,4 5,6 7,8 10,11 14,15 21,22 ^ ^  ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
	"N 500      v    v    0,1  ^    v    1,2 2,3 3,4 5,6 7,8 10,11 14,15 21,22 ^ ^ ^  ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
	"P 800      v    0,1  ^    v    1,2  2,3 3,4 5,6 7,8 10,11 14,15 21,22 ^ ^ ^ ^  ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
	"Q 1250     0,1  ^    v    1,2  2,3  3,4 5,6 7,8 10,11 14,15 21,22 ^ ^ ^ ^ ^  ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
	"R 2000     ^    ^    1,2  2,3  3,4  5,6 7,8 10,11 14,15 21,22 ^ ^ ^ ^ ^ ^  ^  ^    ^    ^    ^    ^     ^     ^     ^     ^",
}

type isoCell struct {
	arrow  int // +1 for v, -1 for ^, 0 for a plan
	ac, re int
}

type isoRow struct {
	letter string
	n      int
	cells  []isoCell
}

// parseISOTable2A reads isoTable2A, failing the test on any malformed
// row so that a typing slip in the table cannot pass unnoticed.
func parseISOTable2A(t *testing.T) []isoRow {
	t.Helper()
	var rows []isoRow
	for i, line := range isoTable2A {
		f := strings.Fields(line)
		if len(f) != 2+26 {
			t.Fatalf("isoTable2A row %d: %d fields, want 28", i, len(f))
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("isoTable2A row %d: sample size %q", i, f[1])
		}
		r := isoRow{letter: f[0], n: n}
		for j, c := range f[2:] {
			switch c {
			case "v":
				r.cells = append(r.cells, isoCell{arrow: 1})
			case "^":
				r.cells = append(r.cells, isoCell{arrow: -1})
			default:
				a, b, ok := strings.Cut(c, ",")
				ac, err1 := strconv.Atoi(a)
				re, err2 := strconv.Atoi(b)
				if !ok || err1 != nil || err2 != nil {
					t.Fatalf("isoTable2A row %s column %d: cell %q", f[0], j, c)
				}
				r.cells = append(r.cells, isoCell{ac: ac, re: re})
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// isoPlan follows the arrows of Table 2-A from a letter and a column to
// the plan they lead to.
func isoPlan(t *testing.T, rows []isoRow, letter string, col int) (isoRow, isoCell) {
	t.Helper()
	i := strings.Index("ABCDEFGHJKLMNPQR", letter)
	for steps := 0; steps <= len(rows); steps++ {
		c := rows[i].cells[col]
		if c.arrow == 0 {
			return rows[i], c
		}
		i += c.arrow
		if i < 0 || i >= len(rows) {
			break
		}
	}
	t.Fatalf("isoTable2A: the arrows from %s at column %d leave the table", letter, col)
	return isoRow{}, isoCell{}
}

// TestISOTablesEveryCell checks SingleSamplingPlan against the standard's
// printed tables at every cell: every inspection level, both ends of every
// lot size range (and one lot inside it), every AQL column, arrows
// followed to the plan they point at.
func TestISOTablesEveryCell(t *testing.T) {
	rows := parseISOTable2A(t)
	levels := []string{"S-1", "S-2", "S-3", "S-4", "I", "II", "III"}
	if len(AQLValues) != 26 {
		t.Fatalf("AQLValues has %d columns, want the standard's 26", len(AQLValues))
	}
	cells := 0
	for ri, lr := range isoLotRanges {
		letters := strings.Fields(isoTable1[ri])
		for li, level := range levels {
			for _, lot := range []int{lr[0], (lr[0] + lr[1]) / 2, lr[1]} {
				for col, aql := range AQLValues {
					row, cell := isoPlan(t, rows, letters[li], col)
					wantN, wantFull := row.n, false
					if wantN >= lot {
						wantN, wantFull = lot, true
					}
					got, err := SingleSamplingPlan(lot, level, aql)
					if err != nil {
						t.Fatalf("SingleSamplingPlan(%d, %s, %v) = %v", lot, level, aql, err)
					}
					cells++
					if got.CodeLetter != letters[li] || got.PlanLetter != row.letter || got.SampleSize != wantN ||
						got.Accept != cell.ac || got.Reject != cell.re || got.FullInspection != wantFull {
						t.Errorf("SingleSamplingPlan(%d, %s, %v) = code %s plan %s n %d Ac %d Re %d full %t, want code %s plan %s n %d Ac %d Re %d full %t",
							lot, level, aql, got.CodeLetter, got.PlanLetter, got.SampleSize, got.Accept, got.Reject, got.FullInspection,
							letters[li], row.letter, wantN, cell.ac, cell.re, wantFull)
					}
				}
			}
		}
	}
	if want := 15 * 7 * 3 * 26; cells != want {
		t.Errorf("checked %d cells, want %d", cells, want)
	}
}

// TestISOTable2ACells checks aqlCell, the code's encoding of Table 2-A,
// cell by cell against the printed table: the same plan or the same arrow.
func TestISOTable2ACells(t *testing.T) {
	rows := parseISOTable2A(t)
	for li, r := range rows {
		if got := aqlLetters[li : li+1]; got != r.letter || aqlSampleSizes[li] != r.n {
			t.Fatalf("row %d: code has letter %s n %d, the standard %s n %d", li, got, aqlSampleSizes[li], r.letter, r.n)
		}
		for col, want := range r.cells {
			ac, re, move := aqlCell(li, col)
			if move != want.arrow || (move == 0 && (ac != want.ac || re != want.re)) {
				t.Errorf("Table 2-A at %s, AQL %v: code gives Ac %d Re %d arrow %d, the standard Ac %d Re %d arrow %d",
					r.letter, AQLValues[col], ac, re, move, want.ac, want.re, want.arrow)
			}
		}
	}
}

// TestISOIssueCells checks the two cells issue 14 reported wrong.
func TestISOIssueCells(t *testing.T) {
	tests := []struct {
		lot        int
		aql        float64
		letter     string
		n, ac, re  int
		codeLetter string
	}{
		{60, 150, "E", 13, 30, 31, "E"},
		{30000, 250, "E", 13, 44, 45, "M"},
	}
	for _, tc := range tests {
		p, err := SingleSamplingPlan(tc.lot, "II", tc.aql)
		if err != nil {
			t.Fatal(err)
		}
		if p.CodeLetter != tc.codeLetter || p.PlanLetter != tc.letter || p.SampleSize != tc.n || p.Accept != tc.ac || p.Reject != tc.re {
			t.Errorf("SingleSamplingPlan(%d, II, %v) = %s→%s n %d Ac %d Re %d, want %s→%s n %d Ac %d Re %d",
				tc.lot, tc.aql, p.CodeLetter, p.PlanLetter, p.SampleSize, p.Accept, p.Reject, tc.codeLetter, tc.letter, tc.n, tc.ac, tc.re)
		}
	}
}
