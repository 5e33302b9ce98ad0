package publication

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
)

// closedRecord draws a small plan, gives its tasks outcomes and returns its
// signed record and the signing key.
func closedRecord(t *testing.T) (Disclosure, ed25519.PrivateKey) {
	t.Helper()
	shanghai := time.FixedZone("CST", 8*3600)
	in := sampling.SRSInputs{
		Spec: sampling.SRSSpec{Schedule: "textiles-monthly", Industry: "textiles", Kind: sampling.KindScheduled,
			NominalTime: time.Date(2026, 11, 1, 9, 0, 0, 0, shanghai), Categories: map[string]string{"garments": "general", "childrens-garments": "key"},
			Batches: 4, InspectorsPerTask: 2, Due: time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)},
		Inspectors: []sampling.Inspector{
			{ID: "I001", Name: "张伟", County: "吴中区", Industries: []string{"textiles"}},
			{ID: "I002", Name: "王芳", County: "相城区", Industries: []string{"textiles"}},
			{ID: "I003", Name: "李娜", County: "吴江区", Industries: []string{"textiles"}, Recusals: []string{"91320500MA1X00002A"}},
		},
	}
	for i, code := range []string{"91320500MA1X00001A", "91320500MA1X00002A", "91320500MA1X00003A", "91320500MA1X00004A", "91320500MA1X00005A"} {
		for _, cat := range []string{"garments", "childrens-garments"} {
			in.Frame = append(in.Frame, sampling.Unit{CreditCode: code, Enterprise: "苏州纺织" + string(rune('A'+i)), County: "吴中区",
				Industry: "textiles", Category: cat, Risk: "B"})
		}
	}
	seed := bytes.Repeat([]byte{7}, sampling.SeedSize)
	plan, err := in.Redraw(seed)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"garments": "服装", "childrens-garments": "童装"}
	outcomes := []Task{
		{Outcome: OutcomePass, TestedOn: "2026-11-20", ReportNo: "R1", SampledOn: "2026-11-10", BatchNo: "B1"},
		{Outcome: OutcomeFail, TestedOn: "2026-11-21", ReportNo: "R2", FailedItems: "纤维含量", SampledOn: "2026-11-10", BatchNo: "B2"},
		{Outcome: OutcomeRefused, RefusalReason: sampling.RefusalNoSuchProduct},
		{Outcome: OutcomeNotInspected},
	}
	var tasks []Task
	for i, pt := range plan.Tasks {
		o := outcomes[i]
		o.ID, o.CreditCode, o.Enterprise, o.County, o.Category, o.CategoryName, o.Tier = int64(100+i), pt.CreditCode, pt.Enterprise, pt.County, pt.Category, names[pt.Category], pt.Tier
		o.InclusionProbability, o.Inspectors, o.Due = pt.InclusionProbability, pt.Inspectors, pt.Due
		tasks = append(tasks, o)
	}
	p := Plan{ID: 17, Schedule: plan.Schedule, Industry: plan.Industry, IndustryName: "纺织服装", Kind: plan.Kind, NominalTime: plan.NominalTime,
		Status: sampling.PlanClosed, ClosedAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), ClosedReason: "due date passed",
		Algorithm: plan.Algorithm, Seed: plan.Seed, FrameDigest: plan.FrameDigest, Commitment: plan.Commitment, FrameSize: plan.FrameSize}
	rec := Build(p, tasks, in)
	_, key, _ := ed25519.GenerateKey(nil)
	if err := Sign(&rec, key); err != nil {
		t.Fatal(err)
	}
	return rec, key
}

// roundTrip saves and reads the record as a user would.
func roundTrip(t *testing.T, r Disclosure) Disclosure {
	t.Helper()
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestBulletin(t *testing.T) {
	rec, _ := closedRecord(t)
	b := rec.Bulletin
	if b.Batches != 4 || b.Inspected != 2 || b.Passed != 1 || b.Failed != 1 || b.Refused != 1 || b.NotInspected != 1 || b.PassRate != 0.5 {
		t.Errorf("bulletin = %+v, want 4 batches, 2 inspected, 1 passed, 1 failed, 1 refused, 1 not inspected, rate 0.5", b)
	}
	if len(b.FailedBatches) != 1 || b.FailedBatches[0].FailedItems != "纤维含量" || b.FailedBatches[0].No != 1 {
		t.Errorf("failed batches = %+v, want the one with 纤维含量", b.FailedBatches)
	}
	total := 0
	for _, c := range b.Categories {
		total += c.Batches
	}
	if total != 4 || !strings.Contains(b.Title, "纺织服装") {
		t.Errorf("categories sum to %d batches, title %q; want 4 and the industry's name", total, b.Title)
	}
	for _, in := range rec.Draw.Inspectors {
		if in.Name != "" {
			t.Errorf("published inspector %s has name %q, want none", in.ID, in.Name)
		}
	}
}

func TestVerify(t *testing.T) {
	rec, key := closedRecord(t)
	if diffs := Verify(roundTrip(t, rec), Options{PublicKey: key.Public().(ed25519.PublicKey), Commitment: rec.Plan.Commitment}); len(diffs) != 0 {
		t.Fatalf("Verify(untouched record) = %q, want no difference", diffs)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	tampers := []struct {
		name   string
		alter  func(r *Disclosure)
		resign bool   // re-sign with the record's own key, as a forger with the file alone cannot
		want   string // in the first difference
	}{
		{"outcome", func(r *Disclosure) { r.Tasks[0].Outcome = OutcomeFail; r.Tasks[0].FailedItems = "pH值" }, false, "signature"},
		{"outcome re-signed by a forger", func(r *Disclosure) {
			r.Tasks[0].Outcome, r.Tasks[0].FailedItems = OutcomeFail, "pH值"
		}, true, "bulletin"},
		{"failed items", func(r *Disclosure) { r.Tasks[1].FailedItems = "标识" }, true, "bulletin"},
		{"seed", func(r *Disclosure) { r.Plan.Seed = strings.Repeat("08", 32) }, true, "plan.commitment"},
		{"task inspector", func(r *Disclosure) { r.Tasks[2].Inspectors[0] = "I009" }, true, "inspectors"},
		{"task unit", func(r *Disclosure) { r.Tasks[3].CreditCode = "91320500MA1X00009A" }, true, "not in the re-run draw"},
		{"frame", func(r *Disclosure) { r.Draw.Frame[0].Risk = "D" }, true, "frame_digest"},
		{"bulletin count", func(r *Disclosure) { r.Bulletin.Failed = 0 }, true, "bulletin: failed"},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			r := roundTrip(t, rec)
			tc.alter(&r)
			signer := key
			if tc.resign {
				signer = other
				if err := Sign(&r, signer); err != nil {
					t.Fatal(err)
				}
			}
			diffs := Verify(roundTrip(t, r), Options{})
			if len(diffs) == 0 || !strings.Contains(diffs[0], tc.want) {
				t.Fatalf("Verify(record with %s altered) = %q, want a first difference naming %q", tc.name, diffs, tc.want)
			}
			if tc.resign {
				pinned := Verify(roundTrip(t, r), Options{PublicKey: key.Public().(ed25519.PublicKey)})
				if len(pinned) == 0 || !strings.Contains(pinned[0], "signed with key") {
					t.Errorf("Verify(re-signed record, pinned key) = %q, want the key named", pinned)
				}
			}
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	rec, _ := closedRecord(t)
	data, _ := json.Marshal(rec)
	for name, in := range map[string]string{
		"unknown field":  strings.Replace(string(data), `"format"`, `"extra":1,"format"`, 1),
		"trailing data":  string(data) + `{}`,
		"another format": strings.Replace(string(data), Format, "other/v9", 1),
		"not JSON":       "<html>",
	} {
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("Decode(%s) = nil error, want one", name)
		}
	}
}

// TestDecodeOpenPlan: the commitment of an open plan, which is all that is
// published of it, is refused saying so.
func TestDecodeOpenPlan(t *testing.T) {
	in := `{"id": 6, "status": "open", "commitment": "ae3b6f8dee196494ec11d614082b5cbec64e5e081e3c746befe92ff20c3de2f8", "committed_at": "2026-12-07T22:06:42.016+08:00"}`
	_, err := Decode(strings.NewReader(in))
	want := "decode public record: plan 6 is open: only its commitment is published until it closes; save its record again after it closes"
	if err == nil || err.Error() != want {
		t.Errorf("Decode(an open plan's commitment) = %v, want %q", err, want)
	}
}

// stratifiedRecord draws a small plan with sampling.DrawPlan, the current
// algorithm, and returns its signed record, its draw input in the record
// (WithRecord), with the tasks not inspected.
func stratifiedRecord(t *testing.T) Disclosure {
	t.Helper()
	nominal := time.Date(2026, 11, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	rec := sampling.DrawRecord{
		Schedule: "textiles-monthly", Kind: sampling.KindScheduled, NominalTime: nominal,
		Seed: sampling.SeedFromText("lottery 2026-123: 03 17 22 29 31 08"),
		Design: sampling.Design{
			Industry: "textiles",
			Categories: map[string]sampling.CategoryRule{
				"garments":           {Tier: sampling.TierGeneral, Quantity: sampling.Quantity{Test: 2, Backup: 2}},
				"childrens-garments": {Tier: sampling.TierKey, Quantity: sampling.Quantity{Test: 3, Backup: 3}},
			},
			Strata: []string{sampling.StratumCounty, sampling.StratumCategory}, Allocation: sampling.AllocationProportional,
			Batches: 4, NoRepeatSeconds: 180 * 24 * 3600, RiskWeights: map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8},
			FailBoost: 2, InspectorsPerTask: 2, Due: "2026-12-01",
		},
		Inspectors: []sampling.Inspector{
			{ID: "I001", Name: "张伟", County: "吴中区", Industries: []string{"textiles"}},
			{ID: "I002", Name: "王芳", County: "相城区", Industries: []string{"textiles"}},
			{ID: "I003", Name: "李娜", County: "吴江区", Industries: []string{"textiles"}},
		},
	}
	for i, code := range []string{"91320500MA1X00001A", "91320500MA1X00002A", "91320500MA1X00003A", "91320500MA1X00004A", "91320500MA1X00005A"} {
		for _, cat := range []string{"garments", "childrens-garments"} {
			rec.Population = append(rec.Population, sampling.Unit{CreditCode: code, Enterprise: "苏州纺织" + string(rune('A'+i)),
				County: []string{"吴中区", "吴江区"}[i%2], Industry: "textiles", Category: cat, Risk: string("ABCD"[i%4])})
		}
	}
	plan, err := sampling.DrawPlan(rec)
	if err != nil {
		t.Fatalf("DrawPlan = %v", err)
	}
	var tasks []Task
	for i, pt := range plan.Tasks {
		tasks = append(tasks, Task{ID: int64(100 + i), CreditCode: pt.CreditCode, Enterprise: pt.Enterprise, County: pt.County,
			Category: pt.Category, Tier: pt.Tier, InclusionProbability: pt.InclusionProbability, Inspectors: pt.Inspectors,
			Due: pt.Due, Outcome: OutcomeNotInspected})
	}
	p := Plan{ID: 18, Schedule: plan.Schedule, Industry: plan.Industry, Kind: plan.Kind, NominalTime: plan.NominalTime,
		Status: sampling.PlanClosed, ClosedAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), ClosedReason: "due date passed",
		Algorithm: plan.Algorithm, Seed: plan.Seed, FrameDigest: plan.FrameDigest, Commitment: plan.Commitment, FrameSize: plan.FrameSize}
	r := Build(p, tasks, sampling.SRSInputs{})
	r.WithRecord(rec)
	_, key, _ := ed25519.GenerateKey(nil)
	if err := Sign(&r, key); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestVerifyStratified checks Verify on the record of a plan drawn with
// sampling.DrawPlan: untouched it holds; with its draw input's seed changed
// (and re-signed) the first difference names draw.record.seed.
func TestVerifyStratified(t *testing.T) {
	rec := stratifiedRecord(t)
	if len(rec.Tasks) != 4 {
		t.Fatalf("stratifiedRecord has %d tasks, want 4", len(rec.Tasks))
	}
	if diffs := Verify(roundTrip(t, rec), Options{Commitment: rec.Plan.Commitment}); len(diffs) != 0 {
		t.Fatalf("Verify(untouched stratified record) = %q, want no difference", diffs)
	}
	r := roundTrip(t, rec)
	r.Draw.Record.Seed = sampling.SeedFromText("another lottery")
	_, key, _ := ed25519.GenerateKey(nil)
	if err := Sign(&r, key); err != nil {
		t.Fatal(err)
	}
	diffs := Verify(roundTrip(t, r), Options{})
	if len(diffs) == 0 || !strings.Contains(diffs[0], "draw.record.seed") {
		t.Errorf("Verify(record with draw.record.seed changed) = %q, want a first difference naming draw.record.seed", diffs)
	}
}

// TestVerifySeedSource checks the hole issue 14 reported: a record whose
// seed source text is replaced, and which is re-signed with the authority's
// own key, must not verify: the seed is not the SHA-256 of the new text.
func TestVerifySeedSource(t *testing.T) {
	rec := stratifiedRecord(t)
	if rec.Draw.Record.Seed.Source == "" {
		t.Fatal("stratifiedRecord has no seed source; the test needs one")
	}
	_, key, _ := ed25519.GenerateKey(nil)
	r := roundTrip(t, rec)
	r.Draw.Record.Seed.Source = "双色球 2026141: 03 07 12 19 25 31 + 09"
	if err := Sign(&r, key); err != nil {
		t.Fatal(err)
	}
	diffs := Verify(roundTrip(t, r), Options{PublicKey: key.Public().(ed25519.PublicKey)})
	if len(diffs) != 1 || !strings.HasPrefix(diffs[0], "draw.record.seed.source: the seed "+rec.Plan.Seed+" is not the SHA-256 of its stated source") {
		t.Errorf("Verify(re-signed record with another seed source) = %q, want exactly the seed source named", diffs)
	}
}
