package sampling

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestVerify checks that an untouched plan verifies, and that each kind of
// tampering with the plan or its stored inputs is found and named.
func TestVerify(t *testing.T) {
	rec := goldenRecord(t)
	plan, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() Plan {
		p := plan
		p.ID = 42
		p.Tasks = slices.Clone(plan.Tasks)
		for i := range p.Tasks {
			p.Tasks[i].ID = int64(100 + i)
			p.Tasks[i].Inspectors = slices.Clone(plan.Tasks[i].Inspectors)
		}
		return p
	}
	if _, err := Verify(*plan.Record, stored()); err != nil {
		t.Fatalf("Verify(untouched plan) = %v, want nil", err)
	}
	tests := []struct {
		name   string
		tamper func(r *DrawRecord, p *Plan)
		want   string
	}{
		{"seed", func(r *DrawRecord, p *Plan) {
			r.Seed = testSeed("another")
			r.Seed.Source = ""
			p.Seed = "3a" + p.Seed[2:]
		}, "seed"},
		{"seed source", func(r *DrawRecord, p *Plan) { r.Seed.Source = "lottery 2026-124" }, "is not the SHA-256 of its stated source"},
		{"frame row", func(r *DrawRecord, p *Plan) { r.Population[5].Risk = "A" }, "frame: the stored frame has digest"},
		{"frame row removed", func(r *DrawRecord, p *Plan) { r.Population = r.Population[1:] }, "frame"},
		{"exclusion history", func(r *DrawRecord, p *Plan) { r.History = r.History[1:] }, "frame"},
		{"task unit", func(r *DrawRecord, p *Plan) { p.Tasks[0].CreditCode = testCode(t, 99) }, "which the stored plan lacks"},
		{"inspector", func(r *DrawRecord, p *Plan) { p.Tasks[1].Inspectors[0] = "I005" }, "inspectors"},
		{"inclusion probability", func(r *DrawRecord, p *Plan) { p.Tasks[2].InclusionProbability *= 1.01 }, "inclusion probability"},
		{"commitment", func(r *DrawRecord, p *Plan) { p.Commitment = strings.Repeat("0", 64) }, "commitment"},
		{"design", func(r *DrawRecord, p *Plan) {
			r.Design.RiskWeights = map[string]float64{"A": 1, "B": 1, "C": 1, "D": 1}
		}, "frame"},
		{"inspector pool", func(r *DrawRecord, p *Plan) { r.Inspectors[2].County = "昆山市" }, "commitment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := *plan.Record
			r.Population = slices.Clone(r.Population)
			r.History = slices.Clone(r.History)
			r.Inspectors = slices.Clone(r.Inspectors)
			p := stored()
			tc.tamper(&r, &p)
			_, err := Verify(r, p)
			var mm *MismatchError
			if !errors.As(err, &mm) {
				t.Fatalf("Verify(tampered %s) = %v, want a *MismatchError", tc.name, err)
			}
			if !strings.Contains(strings.Join(mm.Differences, "\n"), tc.want) {
				t.Errorf("Verify(tampered %s) = %q, want a difference mentioning %q", tc.name, mm.Differences, tc.want)
			}
		})
	}
	p := stored()
	p.Algorithm = "srs-hmac-sha256/v1"
	if _, err := Verify(*plan.Record, p); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("Verify(plan of another algorithm) = %v, want ErrUnknownAlgorithm", err)
	}
}

func TestSeeds(t *testing.T) {
	// SHA-256("abc"), from FIPS 180-2.
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	s := SeedFromText("abc")
	if s.Source != "abc" || len(s.Bytes) != SeedSize {
		t.Fatalf("SeedFromText(abc) = %+v", s)
	}
	parsed, err := ParseSeed(abc)
	if err != nil || !slices.Equal(parsed.Bytes, s.Bytes) {
		t.Errorf("ParseSeed(SHA-256(abc)) = %x, %v; want the bytes of SeedFromText(abc)", parsed.Bytes, err)
	}
	for _, bad := range []string{"", "xyz", abc[:62], abc + "00"} {
		if _, err := ParseSeed(bad); err == nil {
			t.Errorf("ParseSeed(%q) = nil error, want one", bad)
		}
	}
}

// TestRecordJSON checks that a record survives JSON, as a published record
// of the draw would, and still verifies its plan.
func TestRecordJSON(t *testing.T) {
	rec := goldenRecord(t)
	plan, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plan.Record)
	if err != nil {
		t.Fatal(err)
	}
	var back DrawRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decode record: %v", err)
	}
	if !slices.Equal(back.Seed.Bytes, rec.Seed.Bytes) || back.Seed.Source != rec.Seed.Source {
		t.Errorf("seed after JSON = %+v, want %+v", back.Seed, rec.Seed)
	}
	if _, err := Verify(back, plan); err != nil {
		t.Errorf("Verify(record read back from JSON) = %v, want nil", err)
	}
}
