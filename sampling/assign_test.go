package sampling

import (
	"slices"
	"strings"
	"testing"
)

// TestAugmentMovesInspectors checks the repair of a greedy dead end: task 2
// can only take inspector 0, whom task 0 holds; task 0 can switch to
// inspector 2, who has room.
func TestAugmentMovesInspectors(t *testing.T) {
	a := &assignment{
		room:     1,
		eligible: [][]int{{0, 2}, {1}, {0}},
		load:     []int{1, 1, 0},
		sets:     [][]int{{0}, {1}, nil},
	}
	if !a.augment(2) {
		t.Fatal("augment(2) = false, want a path")
	}
	if want := [][]int{{2}, {1}, {0}}; !slices.EqualFunc(a.sets, want, slices.Equal) {
		t.Errorf("after augment(2): sets = %v, want %v", a.sets, want)
	}
	if want := []int{1, 1, 1}; !slices.Equal(a.load, want) {
		t.Errorf("after augment(2): load = %v, want %v", a.load, want)
	}
	if a.augment(2) {
		t.Errorf("augment(2) again = true, want false: every inspector is full")
	}
}

func TestAssignErrors(t *testing.T) {
	design := testDesign()
	tasks := func() []Task {
		return []Task{
			{CreditCode: "C1", Category: "garments", County: "姑苏区", Stratum: "姑苏区/garments"},
			{CreditCode: "C2", Category: "garments", County: "吴江区", Stratum: "吴江区/garments"},
		}
	}
	pool := []Inspector{
		{ID: "I1", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I2", County: "吴江区", Industries: []string{"textiles"}, Recusals: []string{"C1"}},
		{ID: "I3", County: "吴江区", Industries: []string{"textiles"}},
		{ID: "I4", County: "吴江区", Industries: []string{"food"}},
	}
	tests := []struct {
		name   string
		change func(*Design)
		want   []string
	}{
		{"cross county", func(d *Design) { d.CrossCounty = true },
			[]string{"stratum 姑苏区/garments, task C1/garments (county 姑苏区)", "1 eligible inspectors, inspectors_per_task needs 2",
				"3 qualified for textiles, 1 recused from the enterprise, 1 from its own county (cross_county)"}},
		{"cap", func(d *Design) { d.MaxTasksPerInspector = 1 },
			[]string{"task C", "but only 1 can be assigned without exceeding max_tasks_per_inspector 1"}},
		{"too many per task", func(d *Design) { d.InspectorsPerTask = 3 },
			[]string{"task C1/garments", "2 eligible inspectors, inspectors_per_task needs 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := design
			tc.change(&d)
			err := assignInspectors(&d, testSeed("assign").Bytes, tasks(), pool)
			if err == nil {
				t.Fatal("assignInspectors = nil, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("assignInspectors = %q, want it to contain %q", err, w)
				}
			}
		})
	}
	// Without the extra constraints the same tasks are served, and I2 never
	// goes to C1, from which it is recused.
	ts := tasks()
	if err := assignInspectors(&design, testSeed("assign").Bytes, ts, pool); err != nil {
		t.Fatalf("assignInspectors = %v", err)
	}
	if slices.Contains(ts[0].Inspectors, "I2") || slices.Contains(ts[0].Inspectors, "I4") {
		t.Errorf("task C1 got %v: I2 is recused and I4 not qualified", ts[0].Inspectors)
	}
}

// TestAssignDuplicateInspector: an inspector listed twice in the pool is an
// error naming the inspector, not two chances to be drawn.
func TestAssignDuplicateInspector(t *testing.T) {
	design := testDesign()
	tasks := []Task{{CreditCode: "C1", Category: "garments", County: "姑苏区", Stratum: "姑苏区/garments"}}
	pool := []Inspector{
		{ID: "I1", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I2", County: "吴江区", Industries: []string{"textiles"}},
		{ID: "I1", County: "吴江区", Industries: []string{"textiles"}},
	}
	err := assignInspectors(&design, testSeed("assign").Bytes, tasks, pool)
	if err == nil || !strings.Contains(err.Error(), "inspector I1 appears twice") {
		t.Errorf("assignInspectors(I1 twice) = %v, want an error naming I1 twice", err)
	}
}
