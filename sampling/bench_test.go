package sampling

import (
	"fmt"
	"testing"
)

// largeRecord is a frame of units in 30 strata (10 counties × 3
// categories), risk classes spread over A–D, a few units after a failure,
// and 100 inspectors.
func largeRecord(b *testing.B, units int) DrawRecord {
	b.Helper()
	rec := DrawRecord{Schedule: "bench", Kind: KindScheduled, NominalTime: fixtureNominal, Seed: testSeed("bench"), Design: testDesign()}
	rec.Design.Categories["knitwear"] = CategoryRule{Tier: TierGeneral}
	rec.Design.Batches = 1000
	rec.Design.MaxTasksPerInspector = 30
	cats := []string{"garments", "childrens-garments", "knitwear"}
	for i := range units {
		rec.Population = append(rec.Population, Unit{
			CreditCode: fmt.Sprintf("91320500MA%08d", i/3), Category: cats[i%3],
			County: fmt.Sprintf("county-%02d", (i/3)%10), Risk: string("ABBBCCD"[i%7]),
		})
		if i%997 == 0 {
			rec.History = append(rec.History, History{CreditCode: rec.Population[i].CreditCode, Category: cats[i%3],
				TaskID: int64(i), Time: fixtureNominal.AddDate(0, -2*(i%5), 0), Outcome: []string{OutcomePass, OutcomeFail}[i%2]})
		}
	}
	for i := range 100 {
		rec.Inspectors = append(rec.Inspectors, Inspector{ID: fmt.Sprintf("I%03d", i), County: fmt.Sprintf("county-%02d", i%10), Industries: []string{"textiles"}})
	}
	return rec
}

// BenchmarkDraw1M measures the draw computation alone: 1,000 tasks from a
// 1,000,000-unit frame in 30 strata. The end-to-end benchmark against the
// database is in storage (BenchmarkSampling). Under -short (as CI runs
// every benchmark once) the frame has 30,000 units.
func BenchmarkDraw1M(b *testing.B) {
	units := 1_000_000
	if testing.Short() {
		units = 30_000
	}
	rec := largeRecord(b, units)
	for b.Loop() {
		p, err := DrawPlan(rec)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Tasks) != 1000 {
			b.Fatalf("Draw made %d tasks, want 1000", len(p.Tasks))
		}
	}
}
