package storagetest

import (
	"fmt"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// Plan stores a registry of n garment units of textiles in one county with
// one inspector, and a manual plan made on planDay that draws all of them,
// and returns the plan's tasks.
func Plan(t testing.TB, s *storage.Store, n int, planDay time.Time) []sampling.Task {
	t.Helper()
	var units []sampling.Unit
	for i := range n {
		body := fmt.Sprintf("91320500MA%07d", i)
		c, err := sampling.CreditCodeCheck(body)
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, sampling.Unit{CreditCode: body + string(c), Enterprise: fmt.Sprintf("企业%d", i),
			County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"})
	}
	if err := s.UpsertUnits(t.Context(), units); err != nil {
		t.Fatal(err)
	}
	ins := []sampling.Inspector{{ID: "I001", Name: "张伟", County: "姑苏区", Industries: []string{"textiles"}}}
	if err := s.UpsertInspectors(t.Context(), ins); err != nil {
		t.Fatal(err)
	}
	frame, err := s.Frame(t.Context(), "textiles")
	if err != nil {
		t.Fatal(err)
	}
	inspectors, err := s.Inspectors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sampling.DrawSRS(sampling.SRSSpec{
		Schedule: "textiles-monthly", Industry: "textiles", NominalTime: planDay, Kind: sampling.KindManual,
		Categories: map[string]string{"garments": "general"}, Batches: n, InspectorsPerTask: 1,
		MaxTasksPerInspector: n, Due: planDay.AddDate(0, 0, 30),
	}, make([]byte, sampling.SeedSize), frame, inspectors)
	if err != nil {
		t.Fatal(err)
	}
	Commit(t, s, &plan)
	return plan.Tasks
}

// Commit stores plan, drawn already, the way a fire stores its plan
// (Store.Settle): as the made fire of its schedule at its nominal time,
// with the tasks' enterprise names from the registry. It fills in the IDs
// of the plan and its tasks, and fails the test when the ledger already
// holds the fire.
func Commit(t testing.TB, s *storage.Store, plan *sampling.Plan) {
	t.Helper()
	res, err := s.Settle(t.Context(), storage.Claim{Schedule: plan.Schedule, NominalTime: plan.NominalTime, Kind: plan.Kind,
		Status: sampling.FireMade, RequestedBy: "test"}, func(sampling.DrawRecord) (sampling.Plan, error) { return *plan, nil })
	if err != nil || !res.Fresh || res.Fire.Status != sampling.FireMade {
		t.Fatalf("commit plan of %s at %s = %+v, %v; want a fresh made fire", plan.Schedule, plan.NominalTime, res.Fire, err)
	}
	*plan = res.Plan
}
