package sampling

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func round12(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	return v
}

// goldenRecord is a small fixed registry: two counties, two categories,
// risk classes A–D, one unit excluded and one boosted after a failure,
// five inspectors with a recusal.
func goldenRecord(t *testing.T) DrawRecord {
	rec := DrawRecord{
		Schedule: "textiles-monthly", Kind: KindScheduled, NominalTime: fixtureNominal,
		Seed: SeedFromText("lottery 2026-123: 03 17 22 29 31 08"), Design: testDesign(),
	}
	rec.Design.Batches = 5
	rec.Design.MaxTasksPerInspector = 3
	for i := range 12 {
		rec.Population = append(rec.Population, Unit{
			CreditCode: testCode(t, i), Enterprise: "企业", County: []string{"姑苏区", "吴江区"}[i%2],
			Category: []string{"garments", "childrens-garments"}[i%3/2], Risk: string("ABCD"[i%4]),
		})
	}
	rec.History = []History{
		{CreditCode: testCode(t, 1), Category: "garments", TaskID: 7, Time: fixtureNominal.Add(-10 * 24 * time.Hour), Outcome: OutcomePass},
		{CreditCode: testCode(t, 3), Category: "garments", TaskID: 8, Time: fixtureNominal.Add(-10 * 24 * time.Hour), Outcome: OutcomeFail},
	}
	for i, c := range []string{"姑苏区", "吴江区", "姑苏区", "吴江区", "昆山市"} {
		in := Inspector{ID: "I00" + string(rune('1'+i)), County: c, Industries: []string{"textiles"}}
		if i == 0 {
			in.Recusals = []string{testCode(t, 0)}
		}
		rec.Inspectors = append(rec.Inspectors, in)
	}
	return rec
}

// TestGolden pins the plan that a fixed record and seed make. A change of
// the draw must change Algorithm, so that stored plans keep verifying
// against the version that made them; then rewrite the file with
//
//	go test ./sampling -run TestGolden -update
func TestGolden(t *testing.T) {
	plan, err := DrawPlan(goldenRecord(t))
	if err != nil {
		t.Fatal(err)
	}
	plan.NominalTime = plan.NominalTime.UTC()
	// Probabilities to 12 digits: their last bits come from math.Exp and
	// math.Log, which may differ by an ulp between platforms.
	for i := range plan.Tasks {
		plan.Tasks[i].InclusionProbability = round12(plan.Tasks[i].InclusionProbability)
	}
	for i := range plan.Strata {
		plan.Strata[i].Share = round12(plan.Strata[i].Share)
		plan.Strata[i].FailureRate = round12(plan.Strata[i].FailureRate)
	}
	got, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "draw.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (create it with -update): %v", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	var old Plan
	if err := json.Unmarshal(want, &old); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if old.Algorithm == Algorithm {
		t.Errorf("the plan of a fixed seed changed, but Algorithm is still %q: a changed draw must change the algorithm version (then run go test ./sampling -run TestGolden -update)\ngot:\n%s\nwant:\n%s", Algorithm, got, want)
	} else {
		t.Errorf("Algorithm is now %q (golden file: %q): run go test ./sampling -run TestGolden -update and review the diff", Algorithm, old.Algorithm)
	}
}

// TestDrawPlanSeedSize: a seed of another length than SeedSize is refused,
// with its length named.
func TestDrawPlanSeedSize(t *testing.T) {
	rec := goldenRecord(t)
	rec.Seed.Bytes = rec.Seed.Bytes[:16]
	_, err := DrawPlan(rec)
	if want := fmt.Sprintf("seed has 16 bytes, want %d", SeedSize); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("DrawPlan(16-byte seed) = %v, want an error containing %q", err, want)
	}
}
