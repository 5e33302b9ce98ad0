package sampling

import (
	"math/rand/v2"
	"testing"
)

// The tests of this file reach code that no other sampling test did
// (docs/testing.md, sampling's third row): each pins the exact value a
// mutant there would change.

// TestExecutionWindowEnds: a plan on the window's first day and one on
// today count; the day before the window and the day after today do not;
// the ratio is tested over tested, refused and lapsed, and there is none
// while no outcome is known.
func TestExecutionWindowEnds(t *testing.T) {
	today := Day("2026-03-31")
	w := Window{Name: "30d", Days: 30} // 2026-03-02 to 2026-03-31
	counts := []PlanTaskCount{
		{Schedule: "s", Day: "2026-03-01", Status: TaskTested, N: 100}, // before the window
		{Schedule: "s", Day: "2026-03-02", Status: TaskTested, N: 6},
		{Schedule: "s", Day: "2026-03-02", Status: TaskClosed, N: 1},
		{Schedule: "s", Day: "2026-03-15", Status: TaskRefused, N: 2},
		{Schedule: "s", Day: "2026-03-31", Status: TaskLapsed, N: 1},
		{Schedule: "s", Day: "2026-03-31", Status: TaskAssigned, N: 4},
		{Schedule: "s", Day: "2026-04-01", Status: TaskTested, N: 100}, // after today
		{Schedule: "open-only", Day: "2026-03-20", Status: TaskAssigned, N: 3},
	}
	rows := ComputeExecution(counts, []string{"s"}, []Window{w}, today)
	if len(rows) != 2 {
		t.Fatalf("ComputeExecution made %d rows, want 2: %+v", len(rows), rows)
	}
	s := rows[0]
	if s.Schedule != "s" || s.Planned != 14 || s.Tested != 7 || s.Refused != 2 || s.Lapsed != 1 || s.Open != 4 {
		t.Errorf("row of s = %+v, want planned 14: tested 7, refused 2, lapsed 1, open 4", s)
	}
	if s.Ratio == nil || *s.Ratio != 0.7 {
		t.Errorf("ratio of s = %v, want 0.7 (7 tested of 10 known)", s.Ratio)
	}
	if o := rows[1]; o.Schedule != "open-only" || o.Planned != 3 || o.Open != 3 || o.Ratio != nil {
		t.Errorf("row of a schedule with only open tasks = %+v (ratio %v), want 3 open and no ratio", o, o.Ratio)
	}
}

// TestFreezeKeepsTheDrawsFrame: Freeze gives the frame and digests of the
// draw it checks (the record's draw with the zero seed), with the seed
// cleared; a record from which that draw fails is refused with the draw's
// own error.
func TestFreezeKeepsTheDrawsFrame(t *testing.T) {
	var drawn, refused bool
	for i := range uint64(200) {
		rec := randomRecord(t, rand.New(rand.NewPCG(i, 77)), 40)
		zero := rec
		zero.Seed = Seed{Bytes: make([]byte, SeedSize)}
		plan, perr := DrawPlan(zero)
		f, ferr := Freeze(rec)
		switch {
		case perr != nil:
			refused = true
			if ferr == nil || ferr.Error() != perr.Error() {
				t.Errorf("record %d: Freeze error %v, want the draw's: %v", i, ferr, perr)
			}
		default:
			drawn = true
			if ferr != nil {
				t.Fatalf("record %d: Freeze: %v, though its draw succeeds", i, ferr)
			}
			if f.FrameSize != plan.FrameSize || f.FrameDigest != plan.FrameDigest || f.FrameSize == 0 {
				t.Errorf("record %d: frozen frame %d units %.12s, want the draw's %d units %.12s", i, f.FrameSize, f.FrameDigest, plan.FrameSize, plan.FrameDigest)
			}
			if len(f.Record.Seed.Bytes) != 0 || f.RecordDigest != FrozenDigest(f.Record) || f.DesignDigest != DesignDigest(f.Record.Design) {
				t.Errorf("record %d: frozen record seed %x, digests %.12s %.12s, want no seed and its own digests", i, f.Record.Seed.Bytes, f.RecordDigest, f.DesignDigest)
			}
		}
		if drawn && refused {
			return
		}
	}
	t.Fatalf("of 200 random records, drawn %v, refused %v: want both cases", drawn, refused)
}

// TestOverlapPolicyValid: buffer and skip are the policies; nothing else is.
func TestOverlapPolicyValid(t *testing.T) {
	for p, want := range map[OverlapPolicy]bool{OverlapBuffer: true, OverlapSkip: true, "": false, "queue": false} {
		if got := p.Valid(); got != want {
			t.Errorf("OverlapPolicy(%q).Valid() = %v, want %v", p, got, want)
		}
	}
}

// TestInspectorCheckEachField: a valid inspector has no problem; a bad id,
// a bad industry and a bad recusal are each named once, however many bad
// entries a list holds.
func TestInspectorCheckEachField(t *testing.T) {
	ok := Inspector{ID: "I001", Name: "张三", County: "姑苏区", Industries: []string{"textiles", "toys"}, Recusals: []string{"91320500MA1234567X"}}
	if errs := ok.Check(); len(errs) != 0 {
		t.Errorf("Check of a valid inspector = %v, want none", errs)
	}
	bad := ok
	bad.ID = "I 001"
	bad.Industries = []string{"textiles", "a\x01", "b\x02"}
	bad.Recusals = []string{"x\x00", "y\x00"}
	var fields []string
	for _, e := range bad.Check() {
		fields = append(fields, e.Field)
	}
	if want := []string{"id", "industries", "recuse"}; len(fields) != 3 || fields[0] != want[0] || fields[1] != want[1] || fields[2] != want[2] {
		t.Errorf("Check of an inspector with a bad id, two bad industries and two bad recusals names %v, want %v", fields, want)
	}
}

// TestUnitsMixedAppends: units appended from driver bytes after a named
// unit keep their fields and have no name; the named unit keeps its own.
func TestUnitsMixedAppends(t *testing.T) {
	var p Units
	p.Append(Unit{CreditCode: "A1", Enterprise: "甲厂", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"})
	p.AppendBytes([]byte("B2"), []byte("knitwear"), []byte("吴江区"), []byte("D"), "textiles")
	p.AppendBytes([]byte("C3"), []byte("garments"), []byte(""), []byte("A"), "textiles")
	want := []Unit{
		{CreditCode: "A1", Enterprise: "甲厂", County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"},
		{CreditCode: "B2", County: "吴江区", Industry: "textiles", Category: "knitwear", Risk: "D"},
		{CreditCode: "C3", Industry: "textiles", Category: "garments", Risk: "A"},
	}
	for i, w := range want {
		if got := p.Unit(i); got != w {
			t.Errorf("unit %d = %+v, want %+v", i, got, w)
		}
	}
}
