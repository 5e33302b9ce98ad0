package sampling

import (
	"strings"
	"testing"
)

// TestCodeLetters checks Table 1 of ISO 2859-1 (GB/T 2828.1): sample size
// code letters by lot size and inspection level, at the edges of ranges.
func TestCodeLetters(t *testing.T) {
	tests := []struct {
		lot   int
		level string
		want  string
	}{
		{2, "II", "A"}, {8, "II", "A"}, {9, "II", "B"}, {2, "III", "B"},
		{1200, "II", "J"}, {1201, "II", "K"}, {500000, "II", "P"}, {500001, "II", "Q"},
		{500001, "III", "R"}, {150001, "S-1", "D"}, {3201, "S-4", "G"}, {35001, "I", "L"},
		{280, "S-2", "C"}, {281, "S-3", "D"}, {10001, "S-3", "F"}, {90, "S-4", "C"},
	}
	for _, tc := range tests {
		p, err := SingleSamplingPlan(tc.lot, tc.level, 1.0)
		if err != nil {
			t.Fatalf("SingleSamplingPlan(%d, %s) = %v", tc.lot, tc.level, err)
		}
		if p.CodeLetter != tc.want {
			t.Errorf("code letter for lot %d at level %s = %s, want %s", tc.lot, tc.level, p.CodeLetter, tc.want)
		}
	}
}

// TestSingleSamplingPlans checks Table 2-A (single sampling, normal
// inspection), including its arrows: ↑ uses the first plan above, ↓ the
// first plan below.
func TestSingleSamplingPlans(t *testing.T) {
	tests := []struct {
		lot      int
		level    string
		aql      float64
		letter   string // the plan's letter, after arrows
		n, ac    int
		full     bool
		describe string
	}{
		{1200, "II", 1.0, "J", 80, 2, false, "the issue's example"},
		{1200, "II", 0.65, "J", 80, 1, false, ""},
		{1200, "II", 2.5, "J", 80, 5, false, ""},
		{1200, "II", 4.0, "J", 80, 7, false, ""},
		{1200, "II", 6.5, "J", 80, 10, false, ""},
		{3200, "II", 1.0, "K", 125, 3, false, ""},
		{3200, "II", 0.65, "K", 125, 2, false, ""},
		{500, "II", 1.5, "H", 50, 2, false, ""},
		{10000, "II", 2.5, "L", 200, 10, false, ""},
		{35000, "II", 0.65, "M", 315, 5, false, ""},
		{50, "II", 6.5, "D", 8, 1, false, ""},
		{100000, "II", 1.0, "N", 500, 10, false, ""},
		{1200, "II", 0.25, "H", 50, 0, false, "J at 0.25 is ↑: H, Ac 0"},
		{1200, "II", 0.40, "K", 125, 1, false, "J at 0.40 is ↓: K, Ac 1"},
		{1200, "II", 0.10, "K", 125, 0, false, "J at 0.10 is ↓: K, Ac 0"},
		{1200, "S-3", 2.5, "F", 20, 1, false, "E at 2.5 is ↓: F, Ac 1"},
		{600000, "III", 0.010, "Q", 1250, 0, false, "R at 0.010 is ↑: Q, Ac 0"},
		{10, "II", 65, "B", 3, 5, false, "nonconformities per hundred units"},
		{100, "I", 1000, "B", 3, 44, false, "D and C at 1000 are ↑: B, Ac 44"},
		{5, "II", 2.5, "C", 5, 0, true, "A and B at 2.5 are ↓: C, n = 5 covers the lot"},
	}
	for _, tc := range tests {
		p, err := SingleSamplingPlan(tc.lot, tc.level, tc.aql)
		if err != nil {
			t.Fatalf("SingleSamplingPlan(%d, %s, %v) = %v", tc.lot, tc.level, tc.aql, err)
		}
		if p.PlanLetter != tc.letter || p.SampleSize != tc.n || p.Accept != tc.ac || p.Reject != tc.ac+1 || p.FullInspection != tc.full {
			t.Errorf("SingleSamplingPlan(%d, %s, %v) = letter %s n %d Ac %d Re %d full %t, want letter %s n %d Ac %d Re %d full %t (%s)",
				tc.lot, tc.level, tc.aql, p.PlanLetter, p.SampleSize, p.Accept, p.Reject, p.FullInspection, tc.letter, tc.n, tc.ac, tc.ac+1, tc.full, tc.describe)
		}
	}
}

// TestTable2ADiagonals checks the structure every cell of Table 2-A
// follows: following the arrows always ends at a plan, Re = Ac + 1, and
// Ac grows with the AQL along a row.
func TestTable2ADiagonals(t *testing.T) {
	for letter := range len(aqlLetters) {
		prev := -1
		for col := range AQLValues {
			l := letter
			for steps := 0; ; steps++ {
				ac, re, move := aqlCell(l, col)
				if move == 0 {
					if re != ac+1 {
						t.Errorf("letter %c AQL %v: Ac %d Re %d", aqlLetters[l], AQLValues[col], ac, re)
					}
					if l == letter {
						if ac < prev {
							t.Errorf("letter %c AQL %v: Ac %d below the previous column's %d", aqlLetters[l], AQLValues[col], ac, prev)
						}
						prev = ac
					}
					break
				}
				l += move
				if l < 0 || l >= len(aqlLetters) || steps > len(aqlLetters) {
					t.Fatalf("letter %c AQL %v: the arrows leave the table", aqlLetters[letter], AQLValues[col])
				}
			}
		}
	}
}

func TestAQLErrors(t *testing.T) {
	if _, err := ParseAQL("1.2"); err == nil {
		t.Errorf("ParseAQL(1.2) = nil error, want one: 1.2 is not a column of Table 2-A")
	}
	if v, err := ParseAQL("0.4"); err != nil || v != 0.40 {
		t.Errorf("ParseAQL(0.4) = %v, %v; want 0.40", v, err)
	}
	_, err := SingleSamplingPlan(1, "IV", 1.2)
	for _, want := range []string{"lot size 1", `inspection level "IV"`, "AQL 1.2"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SingleSamplingPlan(1, IV, 1.2) = %v, want an error mentioning %q", err, want)
		}
	}
}
