package demo

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
)

func TestRegistryDeterministic(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			units1, inspectors1 := Registry(seed)
			units2, inspectors2 := Registry(seed)
			if !reflect.DeepEqual(units1, units2) {
				t.Error("Registry(seed) units differ between calls")
			}
			if !reflect.DeepEqual(inspectors1, inspectors2) {
				t.Error("Registry(seed) inspectors differ between calls")
			}
			other, _ := Registry(seed + 1)
			if reflect.DeepEqual(units1, other) {
				t.Errorf("Registry(%d) units = Registry(%d) units, want different registries", seed, seed+1)
			}
		})
	}
}

func TestRegistryCreditCodes(t *testing.T) {
	units, _ := Registry(1)
	divisions := map[string]string{}
	for _, c := range counties {
		divisions[c.name] = c.division
	}
	byCode := map[string]sampling.Unit{}
	keys := map[string]bool{}
	for _, u := range units {
		if err := sampling.ValidateCreditCode(u.CreditCode); err != nil {
			t.Errorf("unit %s: %v", u.Key(), err)
			continue
		}
		if want := "91" + divisions[u.County]; !strings.HasPrefix(u.CreditCode, want) {
			t.Errorf("unit %s in %s: credit code begins %s, want %s", u.Key(), u.County, u.CreditCode[:8], want)
		}
		if org := u.CreditCode[8:17]; orgCodeCheck(org[:8]) != org[8] {
			t.Errorf("unit %s: organisation code %s has check %c, want %c", u.Key(), org, org[8], orgCodeCheck(org[:8]))
		}
		if keys[u.Key()] {
			t.Errorf("unit %s appears twice", u.Key())
		}
		keys[u.Key()] = true
		// A code shared by units must be one enterprise, not a collision.
		if first, ok := byCode[u.CreditCode]; ok {
			if first.Enterprise != u.Enterprise || first.County != u.County || first.Industry != u.Industry || first.Risk != u.Risk {
				t.Errorf("credit code %s names two enterprises: %+v and %+v", u.CreditCode, first, u)
			}
		} else {
			byCode[u.CreditCode] = u
		}
	}
	names := map[string]string{}
	for code, u := range byCode {
		if other, ok := names[u.Enterprise]; ok {
			t.Errorf("enterprise name %s has credit codes %s and %s", u.Enterprise, other, code)
		}
		names[u.Enterprise] = code
	}
}

func TestRegistryMatchesConfig(t *testing.T) {
	cfg := Config()
	units, _ := Registry(1)
	countyNames := map[string]bool{}
	for _, c := range counties {
		countyNames[c.name] = true
	}
	perCategory := map[string]int{}
	enterprises := map[string]int{} // credit code → categories
	risks := map[string]int{}
	for _, u := range units {
		ind := cfg.Industry(u.Industry)
		if ind == nil {
			t.Errorf("unit %s: industry %q is not in Config()", u.Key(), u.Industry)
			continue
		}
		if ind.Category(u.Category) == nil {
			t.Errorf("unit %s: category %q is not in industry %q", u.Key(), u.Category, u.Industry)
		}
		if !countyNames[u.County] {
			t.Errorf("unit %s: unknown county %q", u.Key(), u.County)
		}
		if !strings.HasSuffix(u.Enterprise, "有限公司") {
			t.Errorf("unit %s: enterprise name %q does not end in 有限公司", u.Key(), u.Enterprise)
		}
		perCategory[u.Industry+"/"+u.Category]++
		if enterprises[u.CreditCode] == 0 {
			risks[u.Risk]++
		}
		enterprises[u.CreditCode]++
	}
	for _, ind := range cfg.Industries {
		for _, cat := range ind.Categories {
			if n := perCategory[ind.ID+"/"+cat.ID]; n < 100 {
				t.Errorf("category %s/%s has %d units, want at least 100", ind.ID, cat.ID, n)
			}
		}
	}

	n := len(enterprises)
	if n < 2500 || n > 3500 {
		t.Errorf("Registry(1) has %d enterprises, want about 3,000", n)
	}
	twoCategories := 0
	for _, cats := range enterprises {
		if cats > 2 {
			t.Errorf("an enterprise has %d categories, want 1 or 2", cats)
		}
		if cats == 2 {
			twoCategories++
		}
	}
	if share := float64(twoCategories) / float64(n); share < 0.1 || share > 0.3 {
		t.Errorf("%.2f of enterprises have two categories, want about 0.2", share)
	}
	for _, tc := range []struct {
		class string
		share float64
	}{{"A", 0.30}, {"B", 0.45}, {"C", 0.20}, {"D", 0.05}} {
		if got := float64(risks[tc.class]) / float64(n); got < tc.share-0.03 || got > tc.share+0.03 {
			t.Errorf("risk class %s share = %.3f, want %.2f ± 0.03", tc.class, got, tc.share)
		}
	}
	if len(risks) != 4 {
		t.Errorf("risk classes = %v, want only A, B, C and D", risks)
	}
}

func TestRegistryInspectors(t *testing.T) {
	cfg := Config()
	units, inspectors := Registry(1)
	codes := map[string]bool{}
	for _, u := range units {
		codes[u.CreditCode] = true
	}
	need := 0
	for _, s := range cfg.Schedules {
		need = max(need, 2*s.InspectorsPerTask)
	}

	if len(inspectors) != 40 {
		t.Fatalf("Registry(1) has %d inspectors, want 40", len(inspectors))
	}
	qualified := map[string]int{}
	names := map[string]bool{}
	recusing := 0
	for i, in := range inspectors {
		if want := fmt.Sprintf("I%03d", i+1); in.ID != want {
			t.Errorf("inspector %d: ID = %q, want %q", i, in.ID, want)
		}
		if in.Name == "" || names[in.Name] {
			t.Errorf("inspector %s: name %q is empty or taken", in.ID, in.Name)
		}
		names[in.Name] = true
		if !slices.ContainsFunc(counties[:], func(c county) bool { return c.name == in.County }) {
			t.Errorf("inspector %s: unknown county %q", in.ID, in.County)
		}
		if n := len(in.Industries); n < 2 || n > 3 {
			t.Errorf("inspector %s: %d industries, want 2 or 3", in.ID, n)
		}
		for _, ind := range in.Industries {
			if cfg.Industry(ind) == nil {
				t.Errorf("inspector %s: industry %q is not in Config()", in.ID, ind)
			}
			qualified[ind]++
		}
		for _, code := range in.Recusals {
			if !codes[code] {
				t.Errorf("inspector %s: recusal %s is not an enterprise of the registry", in.ID, code)
			}
		}
		if len(in.Recusals) > 0 {
			recusing++
		}
	}
	for _, ind := range cfg.Industries {
		if qualified[ind.ID] < need {
			t.Errorf("industry %q has %d qualified inspectors, want at least %d", ind.ID, qualified[ind.ID], need)
		}
	}
	if recusing == 0 || recusing > 15 {
		t.Errorf("%d inspectors have recusals, want a few", recusing)
	}
}

// TestRegistryDrawsEveryDemoSchedule checks that the demo registry can serve
// every demo schedule: enough units and enough eligible inspectors.
func TestRegistryDrawsEveryDemoSchedule(t *testing.T) {
	cfg := Config()
	units, inspectors := Registry(1)
	fire := time.Date(2026, 3, 2, 9, 0, 0, 0, cfg.Location)
	for _, s := range cfg.Schedules {
		t.Run(s.Name, func(t *testing.T) {
			rec := sampling.DrawRecord{Schedule: s.Name, Kind: sampling.KindScheduled, NominalTime: fire,
				Design: s.Design(cfg.Industry(s.Industry), fire), Population: units, Inspectors: inspectors}
			for i := range 20 {
				rec.Seed = sampling.Seed{Bytes: []byte(fmt.Sprintf("%032d", i))}
				plan, err := sampling.DrawPlan(rec)
				if err != nil {
					t.Fatalf("Draw(seed %d) = %v, want nil", i, err)
				}
				if len(plan.Tasks) != s.Batches {
					t.Errorf("Draw(seed %d) made %d tasks, want %d", i, len(plan.Tasks), s.Batches)
				}
			}
		})
	}
}

func TestOrgCodeCheck(t *testing.T) {
	// Sums worked by hand with weights 3 7 9 10 5 8 4 2 and A = 10.
	tests := []struct {
		body string
		want byte
	}{
		{"D2143569", 'X'}, // the example of GB 11714-1997: 199 mod 11 = 1, 11 − 1 = 10
		{"00000000", '0'}, // 11 − 0 = 11 is written 0
		{"12345678", '8'}, // 201 mod 11 = 3
		{"MA01234A", '4'}, // 216 mod 11 = 7
		{"MA1MXY7K", 'X'}, // 870 mod 11 = 1
	}
	for _, tc := range tests {
		if got := orgCodeCheck(tc.body); got != tc.want {
			t.Errorf("orgCodeCheck(%q) = %c, want %c", tc.body, got, tc.want)
		}
	}
}
