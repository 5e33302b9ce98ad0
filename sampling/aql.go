package sampling

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// AQLPlan is a single sampling plan for normal inspection by ISO 2859-1
// (GB/T 2828.1, ANSI/ASQ Z1.4): from the lot size and inspection level,
// Table 1 gives a sample size code letter; from the letter and the AQL,
// Table 2-A gives the sample size n, the acceptance number Ac and the
// rejection number Re, or an arrow to the first plan below or above it.
type AQLPlan struct {
	LotSize int     `json:"lot_size"`
	Level   string  `json:"level"`
	AQL     float64 `json:"aql"`
	// CodeLetter is the letter of Table 1; PlanLetter the letter whose plan
	// applies after following Table 2-A's arrows.
	CodeLetter string `json:"code_letter"`
	PlanLetter string `json:"plan_letter"`
	SampleSize int    `json:"sample_size"`
	Accept     int    `json:"ac"`
	Reject     int    `json:"re"`
	// FullInspection is set when the sample size reaches the lot size: the
	// whole lot is inspected.
	FullInspection bool `json:"full_inspection,omitempty"`
}

// AQLLevels are the inspection levels of Table 1: special S-1 to S-4, and
// general I to III (II is the usual one).
var AQLLevels = []string{"S-1", "S-2", "S-3", "S-4", "I", "II", "III"}

// AQLValues are the acceptance quality limits of Table 2-A: in percent
// nonconforming up to 10, in nonconformities per hundred units above.
var AQLValues = []float64{0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65,
	1.0, 1.5, 2.5, 4.0, 6.5, 10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1000}

// aqlLetters are the sample size code letters, in order; aqlSampleSizes
// their sample sizes in Table 2-A.
const aqlLetters = "ABCDEFGHJKLMNPQR"

var aqlSampleSizes = [16]int{2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000}

// aqlLotMax are the upper ends of Table 1's lot size ranges; the last range
// is open.
var aqlLotMax = [14]int{8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10000, 35000, 150000, 500000}

// aqlTable1 gives, per inspection level (in AQLLevels order), the code
// letter of each lot size range.
var aqlTable1 = [7]string{
	"AAAABBBBCCCCDDD", // S-1
	"AAABBBCCCDDDEEE", // S-2
	"AABBCCDDEEFFGGH", // S-3
	"AABCCDEEFGGHJJK", // S-4
	"AABCCDEFGHJKLMN", // I
	"ABCDEFGHJKLMNPQ", // II
	"BCDEFGHJKLMNPQR", // III
}

// aqlAcceptance is the sequence of (Ac, Re) pairs along Table 2-A's
// diagonals, from Ac 1 on: Ac 0 sits three diagonals before Ac 1.
var aqlAcceptance = [10][2]int{{1, 2}, {2, 3}, {3, 4}, {5, 6}, {7, 8}, {10, 11}, {14, 15}, {21, 22}, {30, 31}, {44, 45}}

// ParseAQL reads an AQL such as "1.0", "0.65" or "2.5" and returns the
// value of Table 2-A it names.
func ParseAQL(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err == nil {
		for _, a := range AQLValues {
			if math.Abs(v-a) <= 1e-9*a {
				return a, nil
			}
		}
	}
	return 0, fmt.Errorf("AQL %q is not a value of ISO 2859-1 Table 2-A (0.010, 0.015, 0.025, …, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10, …, 1000)", s)
}

// SingleSamplingPlan returns the single sampling plan for normal inspection
// of a lot of lotSize items at an inspection level (S-1 to S-4, I to III)
// and an AQL of Table 2-A.
func SingleSamplingPlan(lotSize int, level string, aql float64) (AQLPlan, error) {
	lv := slices.Index(AQLLevels, level)
	col := slices.Index(AQLValues, aql)
	var errs []string
	if lotSize < 2 {
		errs = append(errs, fmt.Sprintf("lot size %d: want at least 2", lotSize))
	}
	if lv < 0 {
		errs = append(errs, fmt.Sprintf("inspection level %q: want one of %s", level, strings.Join(AQLLevels, ", ")))
	}
	if col < 0 {
		errs = append(errs, fmt.Sprintf("AQL %v is not a value of Table 2-A", aql))
	}
	if len(errs) > 0 {
		return AQLPlan{}, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	row := len(aqlLotMax)
	for i, m := range aqlLotMax {
		if lotSize <= m {
			row = i
			break
		}
	}
	letter := strings.IndexByte(aqlLetters, aqlTable1[lv][row])
	p := AQLPlan{LotSize: lotSize, Level: level, AQL: aql, CodeLetter: aqlLetters[letter : letter+1]}
	for {
		ac, re, move := aqlCell(letter, col)
		if move == 0 {
			p.PlanLetter = aqlLetters[letter : letter+1]
			p.SampleSize, p.Accept, p.Reject = aqlSampleSizes[letter], ac, re
			break
		}
		letter += move
	}
	if p.SampleSize >= lotSize {
		p.SampleSize, p.FullInspection = lotSize, true
	}
	return p, nil
}

// aqlCell reads Table 2-A at a code letter (0 for A) and an AQL column (0
// for 0.010): a plan (Ac, Re), or an arrow, +1 to use the first plan below
// or −1 the first plan above.
//
// The table is built on diagonals: moving one letter down (a larger
// sample) and one AQL column left gives the same plan. On diagonal
// letter+column = 14 the plan is Ac 0, Re 1; the next diagonal points up
// to it and the one after points down to Ac 1, Re 2 on diagonal 17, after
// which the acceptance numbers follow aqlAcceptance. Left of Ac 0 the
// arrows point down; beyond Ac 21 they point up, except in rows A to E,
// where the plans go on to Ac 30 and Ac 44 (row A ends at Ac 30 in the
// last column) and only then point up. At the top and
// bottom rows the arrows that would leave the table turn the other way.
func aqlCell(letter, col int) (ac, re, move int) {
	d := letter + col
	last := len(aqlLetters) - 1
	switch {
	case d < 14:
		return 0, 0, 1
	case d == 14:
		return 0, 1, 0
	case d == 15 && letter > 0, d == 16 && letter == last:
		return 0, 0, -1
	case d == 15, d == 16:
		return 0, 0, 1
	}
	k := d - 17
	top := 7 // Ac 21, or Ac 44 in rows A to E
	if letter <= 4 {
		top = len(aqlAcceptance) - 1 // Ac 44
	}
	if k > top {
		return 0, 0, -1
	}
	return aqlAcceptance[k][0], aqlAcceptance[k][1], 0
}
