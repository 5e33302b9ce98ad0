package sampling

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/draw.golden from the current Draw")

// code returns the valid credit code whose first 17 characters are body.
func code(t testing.TB, body string) string {
	t.Helper()
	c, err := CreditCodeCheck(body)
	if err != nil {
		t.Fatalf("CreditCodeCheck(%q) = %v", body, err)
	}
	return body + string(c)
}

// seq returns the seed 0, 1, …, 31.
func seq() []byte {
	s := make([]byte, SeedSize)
	for i := range s {
		s[i] = byte(i)
	}
	return s
}

// seedN derives the n-th test seed deterministically.
func seedN(label string, n int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", label, n))
	return h[:]
}

var shanghai = time.FixedZone("CST", 8*60*60)

// fixture is the golden test's world: 9 textile enterprises in three
// counties, 12 units of two categories, and 8 inspectors.
func fixture(t testing.TB) (SRSSpec, []Unit, []Inspector) {
	t.Helper()
	counties := []string{"姑苏区", "吴中区", "相城区"}
	risks := []string{"A", "B", "C", "D"}
	var frame []Unit
	for i := range 9 {
		cc := code(t, fmt.Sprintf("91320500MA%07d", 1000+i))
		u := Unit{CreditCode: cc, Enterprise: fmt.Sprintf("纺织厂%d", i+1), County: counties[i%3],
			Industry: "textiles", Category: "garments", Risk: risks[i%4]}
		frame = append(frame, u)
		if i%3 == 0 {
			u.Category = "childrens-garments"
			frame = append(frame, u)
		}
	}
	inspectors := []Inspector{
		{ID: "I01", Name: "张伟", County: counties[0], Industries: []string{"textiles"}},
		{ID: "I02", Name: "王芳", County: counties[0], Industries: []string{"textiles", "food"}},
		{ID: "I03", Name: "李娜", County: counties[1], Industries: []string{"textiles"}, Recusals: []string{frame[0].CreditCode}},
		{ID: "I04", Name: "刘洋", County: counties[1], Industries: []string{"textiles"}},
		{ID: "I05", Name: "陈静", County: counties[2], Industries: []string{"textiles"}},
		{ID: "I06", Name: "杨磊", County: counties[2], Industries: []string{"food", "textiles"}},
		{ID: "I07", Name: "赵敏", County: counties[2], Industries: []string{"textiles"}},
		{ID: "I08", Name: "黄强", County: counties[0], Industries: []string{"food"}},
	}
	spec := SRSSpec{
		Schedule:             "textiles-monthly",
		Industry:             "textiles",
		NominalTime:          time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai),
		Kind:                 KindScheduled,
		Categories:           map[string]string{"garments": TierGeneral, "childrens-garments": TierKey},
		Batches:              4,
		InspectorsPerTask:    2,
		CrossCounty:          true,
		MaxTasksPerInspector: 2,
		Due:                  time.Date(2026, 12, 31, 9, 0, 0, 0, shanghai),
	}
	return spec, frame, inspectors
}

// eligibleUnits are the units of frame that spec draws from.
func eligibleUnits(spec SRSSpec, frame []Unit) []Unit {
	var out []Unit
	for _, u := range frame {
		if _, ok := spec.Categories[u.Category]; ok && u.Industry == spec.Industry {
			out = append(out, u)
		}
	}
	return out
}

// planSize is the number of tasks spec asks of a frame of N units.
func planSize(spec SRSSpec, N int) int {
	n := spec.Batches
	if n == 0 {
		n = int(math.Round(spec.Fraction * float64(N)))
	}
	return max(1, min(n, N))
}

// checkPlan checks every promise Draw makes about p.
func checkPlan(t *testing.T, spec SRSSpec, seed []byte, frame []Unit, inspectors []Inspector, p Plan) {
	t.Helper()
	units := map[string]Unit{}
	for _, u := range eligibleUnits(spec, frame) {
		units[u.Key()] = u
	}
	N := len(units)
	n := planSize(spec, N)
	byID := map[string]Inspector{}
	for _, in := range inspectors {
		byID[in.ID] = in
	}
	if p.Schedule != spec.Schedule || p.Industry != spec.Industry || p.Kind != spec.Kind ||
		!p.NominalTime.Equal(spec.NominalTime) || p.Status != PlanOpen || p.Algorithm != AlgorithmSRS {
		t.Errorf("Draw() header = %s/%s/%s/%v/%s/%s, want %s/%s/%s/%v/open/%s", p.Schedule, p.Industry, p.Kind,
			p.NominalTime, p.Status, p.Algorithm, spec.Schedule, spec.Industry, spec.Kind, spec.NominalTime, AlgorithmSRS)
	}
	if p.Seed != hex.EncodeToString(seed) {
		t.Errorf("Draw().Seed = %s, want %x", p.Seed, seed)
	}
	if p.FrameSize != N {
		t.Errorf("Draw().FrameSize = %d, want %d", p.FrameSize, N)
	}
	if want := FrameDigest(eligibleUnits(spec, frame)); p.FrameDigest != want {
		t.Errorf("Draw().FrameDigest = %s, want %s", p.FrameDigest, want)
	}
	if want := Commitment(p); p.Commitment != want {
		t.Errorf("Draw().Commitment = %s, want Commitment(plan) = %s", p.Commitment, want)
	}
	if len(p.Tasks) != n {
		t.Errorf("Draw() has %d tasks, want %d of %d units", len(p.Tasks), n, N)
	}
	k := max(spec.InspectorsPerTask, 1)
	seen := map[string]bool{}
	load := map[string]int{}
	for _, task := range p.Tasks {
		key := task.CreditCode + "/" + task.Category
		u, ok := units[key]
		switch {
		case !ok:
			t.Errorf("task %s is not a unit of the frame for %s", key, spec.Industry)
			continue
		case seen[key]:
			t.Errorf("unit %s drawn twice", key)
		}
		seen[key] = true
		if task.County != u.County || task.Enterprise != u.Enterprise || task.Tier != spec.Categories[u.Category] {
			t.Errorf("task %s = %s/%s/%s, want %s/%s/%s", key, task.County, task.Enterprise, task.Tier, u.County, u.Enterprise, spec.Categories[u.Category])
		}
		if want := float64(n) / float64(N); task.InclusionProbability != want {
			t.Errorf("task %s InclusionProbability = %v, want %d/%d", key, task.InclusionProbability, n, N)
		}
		if want := Day(spec.Due.Format(time.DateOnly)); task.Due != want || task.Status != TaskAssigned {
			t.Errorf("task %s Due, Status = %s, %s, want %s, %s", key, task.Due, task.Status, want, TaskAssigned)
		}
		if len(task.Inspectors) != k {
			t.Errorf("task %s has %d inspectors, want %d", key, len(task.Inspectors), k)
		}
		for i, id := range task.Inspectors {
			in, ok := byID[id]
			switch {
			case !ok:
				t.Errorf("task %s: inspector %s is not in the roster", key, id)
				continue
			case slices.Contains(task.Inspectors[:i], id):
				t.Errorf("task %s: inspector %s twice in %v", key, id, task.Inspectors)
			case !slices.Contains(in.Industries, spec.Industry):
				t.Errorf("task %s: inspector %s is not qualified for %s", key, id, spec.Industry)
			case slices.Contains(in.Recusals, u.CreditCode):
				t.Errorf("task %s: inspector %s is recused from %s", key, id, u.CreditCode)
			case spec.CrossCounty && in.County == u.County:
				t.Errorf("task %s: inspector %s is of the same county %s, with cross_county", key, id, u.County)
			}
			load[id]++
		}
	}
	if c := spec.MaxTasksPerInspector; c > 0 {
		for id, l := range load {
			if l > c {
				t.Errorf("inspector %s has %d tasks, want at most %d", id, l, c)
			}
		}
	}
}

func mustDraw(t *testing.T, spec SRSSpec, seed []byte, frame []Unit, inspectors []Inspector) Plan {
	t.Helper()
	p, err := DrawSRS(spec, seed, frame, inspectors)
	if err != nil {
		t.Fatalf("Draw(%x) = %v, want nil", seed, err)
	}
	checkPlan(t, spec, seed, frame, inspectors, p)
	return p
}

// selection is the plan's unit keys, in plan order.
func selection(p Plan) []string {
	var keys []string
	for _, task := range p.Tasks {
		keys = append(keys, task.CreditCode+"/"+task.Category)
	}
	return keys
}

func TestDrawGolden(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	p := mustDraw(t, spec, seq(), frame, inspectors)
	got, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "draw.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Draw(seed 0..31) =\n%s\nwant (%s)\n%s\nIf the draw changed on purpose, change AlgorithmSRS too: stored plans must keep verifying.", got, golden, want)
	}
}

// TestDrawReference re-derives the golden draw from the algorithm's
// description alone, as a member of the public would: rank units by the
// first 8 bytes of HMAC-SHA256(seed, "unit:"+key) and take the lowest n;
// rank each task's eligible inspectors by HMAC-SHA256(seed,
// "inspector:"+key+":"+id).
func TestDrawReference(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	seed := seq()
	rank := func(msg string) uint64 {
		m := hmac.New(sha256.New, seed)
		m.Write([]byte(msg))
		return binary.BigEndian.Uint64(m.Sum(nil)[:8])
	}
	units := eligibleUnits(spec, frame)
	slices.SortFunc(units, func(a, b Unit) int {
		return cmp.Compare(rank("unit:"+a.CreditCode+"/"+a.Category), rank("unit:"+b.CreditCode+"/"+b.Category))
	})
	load := map[string]int{}
	var want []Task
	for _, u := range units[:spec.Batches] {
		key := u.CreditCode + "/" + u.Category
		var ok []Inspector
		for _, in := range inspectors {
			if slices.Contains(in.Industries, spec.Industry) && !slices.Contains(in.Recusals, u.CreditCode) &&
				in.County != u.County && load[in.ID] < spec.MaxTasksPerInspector {
				ok = append(ok, in)
			}
		}
		slices.SortFunc(ok, func(a, b Inspector) int {
			return cmp.Compare(rank("inspector:"+key+":"+a.ID), rank("inspector:"+key+":"+b.ID))
		})
		ids := []string{ok[0].ID, ok[1].ID}
		load[ids[0]]++
		load[ids[1]]++
		want = append(want, Task{CreditCode: u.CreditCode, Enterprise: u.Enterprise, County: u.County,
			Category: u.Category, Tier: spec.Categories[u.Category], InclusionProbability: 4.0 / 12,
			Inspectors: ids, Due: "2026-12-31", Status: TaskAssigned})
	}
	p := mustDraw(t, spec, seed, frame, inspectors)
	if !reflect.DeepEqual(p.Tasks, want) {
		t.Errorf("Draw(seed 0..31).Tasks =\n%+v\nwant, by the published algorithm,\n%+v", p.Tasks, want)
	}
}

func TestDrawDeterministic(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	seed := seq()
	want := mustDraw(t, spec, seed, frame, inspectors)
	if again := mustDraw(t, spec, seed, frame, inspectors); !reflect.DeepEqual(again, want) {
		t.Fatalf("Draw(seed) twice = %+v, then %+v", want, again)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		f := slices.Clone(frame)
		rng.Shuffle(len(f), func(a, b int) { f[a], f[b] = f[b], f[a] })
		ins := slices.Clone(inspectors)
		rng.Shuffle(len(ins), func(a, b int) { ins[a], ins[b] = ins[b], ins[a] })
		for j := range ins {
			ins[j].Industries = slices.Clone(ins[j].Industries)
			slices.Reverse(ins[j].Industries)
		}
		if got := mustDraw(t, spec, seed, f, ins); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffle %d: Draw(seed) = %+v, want %+v as before the shuffle", i, got, want)
		}
	}
}

func TestDrawSeedsDiffer(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	spec.CrossCounty, spec.MaxTasksPerInspector = false, 0
	a := selection(mustDraw(t, spec, seq(), frame, inspectors))
	b := selection(mustDraw(t, spec, seedN("other", 0), frame, inspectors))
	if slices.Equal(a, b) {
		t.Errorf("Draw(seed 0..31) and Draw(other seed) both select %v, want different units", a)
	}
	// 64 seeds over C(12, 4) = 495 possible sets: almost all distinct.
	sets := map[string]bool{}
	for i := range 64 {
		s := selection(mustDraw(t, spec, seedN("differ", i), frame, inspectors))
		slices.Sort(s)
		sets[strings.Join(s, ",")] = true
	}
	if len(sets) < 50 {
		t.Errorf("64 seeds gave %d distinct selections, want at least 50", len(sets))
	}
}

func TestDrawSize(t *testing.T) {
	_, frame, inspectors := fixture(t)
	tests := []struct {
		name     string
		batches  int
		fraction float64
		want     int
	}{
		{"batches", 5, 0, 5},
		{"batches equal to the frame", 12, 0, 12},
		{"batches beyond the frame are capped", 40, 0, 12},
		{"fraction", 0, 0.25, 3},
		{"fraction rounds to nearest", 0, 0.3, 4}, // 3.6
		{"fraction rounds down", 0, 0.2, 2},       // 2.4
		{"whole frame", 0, 1, 12},
		{"tiny fraction still draws one", 0, 0.01, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, _, _ := fixture(t)
			spec.Batches, spec.Fraction = tt.batches, tt.fraction
			spec.CrossCounty, spec.MaxTasksPerInspector = false, 0
			p := mustDraw(t, spec, seq(), frame, inspectors)
			if len(p.Tasks) != tt.want {
				t.Errorf("Draw(batches %d, fraction %v) = %d tasks, want %d", tt.batches, tt.fraction, len(p.Tasks), tt.want)
			}
			for _, task := range p.Tasks {
				if want := float64(tt.want) / 12; task.InclusionProbability != want {
					t.Errorf("InclusionProbability = %v, want %d/12", task.InclusionProbability, tt.want)
				}
			}
		})
	}
}

// TestDrawExcludesOtherUnits checks that units of other industries and of
// categories the spec does not name are not drawn and do not change the
// draw at all.
func TestDrawExcludesOtherUnits(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	spec.Batches, spec.CrossCounty, spec.MaxTasksPerInspector = 12, false, 0
	want := mustDraw(t, spec, seq(), frame, inspectors)
	extra := slices.Clone(frame)
	for i := range 5 {
		extra = append(extra,
			Unit{CreditCode: code(t, fmt.Sprintf("91320500MA%07d", 2000+i)), County: "姑苏区", Industry: "food", Category: "garments"},
			Unit{CreditCode: frame[i].CreditCode, County: frame[i].County, Industry: "textiles", Category: "hats"},
		)
	}
	got := mustDraw(t, spec, seq(), extra, inspectors)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Draw(frame with food units and hats) = %v, want %v as without them", selection(got), selection(want))
	}
	for _, task := range got.Tasks {
		if task.Category == "hats" {
			t.Errorf("Draw() drew %s of category hats, which the spec does not name", task.CreditCode)
		}
	}
}

func TestDrawEmptyFrame(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	spec.Industry = "chemicals"
	p, err := DrawSRS(spec, seq(), frame, inspectors)
	if !errors.Is(err, ErrEmptyFrame) {
		t.Fatalf("Draw(no chemicals units) = %v, want ErrEmptyFrame", err)
	}
	if !strings.Contains(err.Error(), `"chemicals"`) {
		t.Errorf("Draw(no chemicals units) = %v, want the industry named", err)
	}
	if len(p.Tasks) != 0 || p.FrameSize != 0 {
		t.Errorf("Draw(no units) = %d tasks of %d, want none", len(p.Tasks), p.FrameSize)
	}
}

func TestDrawInsufficientInspectors(t *testing.T) {
	_, frame, _ := fixture(t)
	target := frame[0] // 姑苏区, garments
	textiles := []string{"textiles"}
	tests := []struct {
		name       string
		inspectors []Inspector
		cross      bool
		cap        int
		want       []string
	}{
		{
			name: "too few qualified",
			inspectors: []Inspector{
				{ID: "A", County: "吴中区", Industries: textiles},
				{ID: "B", County: "吴中区", Industries: []string{"food"}},
			},
			want: []string{"1 eligible inspectors, need 2", `qualified for "textiles"`},
		},
		{
			name: "recusal",
			inspectors: []Inspector{
				{ID: "A", County: "吴中区", Industries: textiles},
				{ID: "B", County: "吴中区", Industries: textiles, Recusals: []string{target.CreditCode}},
			},
			want: []string{target.CreditCode, "1 eligible inspectors, need 2", "not recused"},
		},
		{
			name: "cross county",
			inspectors: []Inspector{
				{ID: "A", County: "吴中区", Industries: textiles},
				{ID: "B", County: "姑苏区", Industries: textiles},
				{ID: "C", County: "姑苏区", Industries: textiles},
			},
			cross: true,
			want:  []string{"(county 姑苏区", "1 eligible inspectors, need 2", "cross_county=true"},
		},
		{
			name: "cap",
			inspectors: []Inspector{
				{ID: "A", County: "吴中区", Industries: textiles},
				{ID: "B", County: "吴中区", Industries: textiles},
				{ID: "C", County: "吴中区", Industries: textiles},
			},
			cap:  1,
			want: []string{"eligible inspectors, need 2", "max_tasks_per_inspector=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, _, _ := fixture(t)
			spec.Batches = 12 // every unit, so that the constrained one is drawn
			spec.CrossCounty, spec.MaxTasksPerInspector = tt.cross, tt.cap
			_, err := DrawSRS(spec, seq(), frame, tt.inspectors)
			if err == nil {
				t.Fatal("Draw() = nil error, want too few inspectors")
			}
			// The error names the task: a unit's credit code and category.
			named := false
			for _, u := range frame {
				named = named || strings.Contains(err.Error(), "task for "+u.CreditCode) && strings.Contains(err.Error(), "category "+u.Category)
			}
			if !named {
				t.Errorf("Draw() = %v, want an error naming the task's unit", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Draw() = %v, want an error containing %q", err, w)
				}
			}
		})
	}
}

// world is a larger registry for the property test: 40 enterprises in four
// counties, two industries, a category outside the spec, and 16 inspectors
// with recusals.
func world(t testing.TB) ([]Unit, []Inspector) {
	t.Helper()
	counties := []string{"c0", "c1", "c2", "c3"}
	var frame []Unit
	var codes []string
	for i := range 40 {
		cc := code(t, fmt.Sprintf("91320500MA%07d", 3000+i))
		codes = append(codes, cc)
		ind := "textiles"
		if i%5 == 0 {
			ind = "food"
		}
		u := Unit{CreditCode: cc, Enterprise: fmt.Sprintf("e%02d", i), County: counties[i%4], Industry: ind, Category: "garments", Risk: "ABCD"[i%4 : i%4+1]}
		frame = append(frame, u)
		if i%3 == 0 {
			u.Category = "childrens-garments"
			frame = append(frame, u)
		}
		if i%4 == 0 {
			u.Category = "hats"
			frame = append(frame, u)
		}
	}
	var inspectors []Inspector
	for j := range 16 {
		in := Inspector{ID: fmt.Sprintf("I%02d", j), County: counties[j%4], Industries: []string{"textiles", "food"},
			Recusals: []string{codes[j], codes[(j+1)%40]}}
		if j%8 == 7 {
			in.Industries = []string{"food"}
		}
		inspectors = append(inspectors, in)
	}
	return frame, inspectors
}

// TestDrawProperties draws with 400 fixed seeds and specs that vary with
// them, and checks every constraint on each plan. The spec's demands stay
// within what greedy assignment can always meet in this world, so every
// draw must succeed.
func TestDrawProperties(t *testing.T) {
	frame, inspectors := world(t)
	for i := range 400 {
		spec := SRSSpec{
			Schedule: "textiles", Industry: "textiles", Kind: KindScheduled,
			NominalTime:          time.Date(2026, 1, 1, 9, 0, 0, 0, shanghai).AddDate(0, 0, i),
			Categories:           map[string]string{"garments": TierGeneral, "childrens-garments": TierKey},
			Batches:              1 + i%10,
			InspectorsPerTask:    1 + i%3,
			CrossCounty:          i%2 == 0,
			MaxTasksPerInspector: []int{0, 5, 6}[i%3],
			Due:                  time.Date(2026, 2, 1, 0, 0, 0, 0, shanghai).AddDate(0, 0, i),
		}
		if i%4 == 0 {
			spec.Batches, spec.Fraction = 0, 0.05*float64(1+i%4)
		}
		seed := seedN("property", i)
		p, err := DrawSRS(spec, seed, frame, inspectors)
		if err != nil {
			t.Fatalf("seed %d: Draw(%+v) = %v, want nil", i, spec, err)
		}
		checkPlan(t, spec, seed, frame, inspectors, p)
		if t.Failed() {
			t.Fatalf("seed %d (%x): constraints broken; spec %+v", i, seed, spec)
		}
	}
}

// TestDrawInclusionFrequency checks that the draw is a simple random
// sample: over 4000 fixed seeds, each of 12 units is drawn with frequency
// close to n/N = 3/12, each pair of units together with frequency close to
// n(n-1)/(N(N-1)) = 1/22, and each of three unconstrained inspectors gets a
// third of the tasks.
//
// Each count is Binomial(trials, p) under a correct draw; the test allows 5
// standard deviations, a two-sided tail of 5.7e-7 per count, so that with
// the 12 + 66 + 3 counts a correct draw fails with probability below 5e-5
// (Bonferroni) for a given set of seeds. The seeds are fixed, so the
// outcome is the same on every run: the test cannot flake, and a failure
// means the draw changed.
func TestDrawInclusionFrequency(t *testing.T) {
	spec, frame, _ := fixture(t)
	spec.Batches, spec.InspectorsPerTask, spec.CrossCounty, spec.MaxTasksPerInspector = 3, 1, false, 0
	inspectors := []Inspector{
		{ID: "A", Industries: []string{"textiles"}},
		{ID: "B", Industries: []string{"textiles"}},
		{ID: "C", Industries: []string{"textiles"}},
	}
	const draws, N, n = 4000, 12, 3
	index := map[string]int{}
	for i, u := range frame {
		index[u.Key()] = i
	}
	var single [N]int
	var pair [N][N]int
	assigned := map[string]int{}
	for s := range draws {
		p, err := DrawSRS(spec, seedN("frequency", s), frame, inspectors)
		if err != nil {
			t.Fatalf("Draw(seed %d) = %v", s, err)
		}
		var idx []int
		for _, task := range p.Tasks {
			idx = append(idx, index[task.CreditCode+"/"+task.Category])
			assigned[task.Inspectors[0]]++
		}
		for a, i := range idx {
			single[i]++
			for _, j := range idx[a+1:] {
				pair[min(i, j)][max(i, j)]++
			}
		}
	}
	within := func(what string, got, trials int, p float64) {
		t.Helper()
		mean := float64(trials) * p
		sd := math.Sqrt(float64(trials) * p * (1 - p))
		if math.Abs(float64(got)-mean) > 5*sd {
			t.Errorf("%s: %d of %d, want %.1f ± %.1f (5 sd)", what, got, trials, mean, 5*sd)
		}
	}
	for i := range N {
		within("unit "+frame[i].Key(), single[i], draws, float64(n)/N)
	}
	for i := range N {
		for j := i + 1; j < N; j++ {
			within(fmt.Sprintf("units %d and %d together", i, j), pair[i][j], draws, float64(n*(n-1))/(N*(N-1)))
		}
	}
	for _, id := range []string{"A", "B", "C"} {
		within("inspector "+id, assigned[id], draws*n, 1.0/3)
	}
}

func TestFrameDigest(t *testing.T) {
	_, frame, _ := fixture(t)
	orig := slices.Clone(frame)
	want := FrameDigest(frame)
	if !slices.Equal(frame, orig) {
		t.Errorf("FrameDigest reordered or changed its argument")
	}
	rev := slices.Clone(frame)
	slices.Reverse(rev)
	if got := FrameDigest(rev); got != want {
		t.Errorf("FrameDigest(reversed) = %s, want %s", got, want)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f := slices.Clone(frame)
		rng.Shuffle(len(f), func(a, b int) { f[a], f[b] = f[b], f[a] })
		if got := FrameDigest(f); got != want {
			t.Fatalf("FrameDigest(shuffled) = %s, want %s", got, want)
		}
	}

	changes := []struct {
		name   string
		change func(u *Unit)
		same   bool
	}{
		{"county", func(u *Unit) { u.County = "吴江区" }, false},
		{"risk", func(u *Unit) { u.Risk = "A" }, false}, // was D
		{"category", func(u *Unit) { u.Category = "hats" }, false},
		{"credit code", func(u *Unit) { u.CreditCode = code(t, "91320500MA0009999") }, false},
		// The digest pins the population, not names, which may be
		// corrected without changing who could be drawn.
		{"enterprise name", func(u *Unit) { u.Enterprise = "新名字" }, true},
	}
	for _, c := range changes {
		f := slices.Clone(frame)
		c.change(&f[5])
		if got := FrameDigest(f); (got == want) != c.same {
			t.Errorf("FrameDigest(%s changed) = %s, want same = %t", c.name, got, c.same)
		}
	}
	if got := FrameDigest(frame[:11]); got == want {
		t.Error("FrameDigest(one unit fewer) is unchanged, want a different digest")
	}

	// The format a verifier recomputes: SHA-256 of "key\tcounty\trisk\n"
	// lines in key order.
	two := []Unit{
		{CreditCode: "91350100M000100Y43", Category: "tea", County: "鼓楼区", Risk: "B"},
		{CreditCode: "91320500000000001W", Category: "oil", County: "姑苏区", Risk: "A"},
	}
	sum := sha256.Sum256([]byte("91320500000000001W/oil\t姑苏区\tA\n91350100M000100Y43/tea\t鼓楼区\tB\n"))
	if got := FrameDigest(two); got != hex.EncodeToString(sum[:]) {
		t.Errorf("FrameDigest(two units) = %s, want %x", got, sum)
	}
	if got, empty := FrameDigest(nil), sha256.Sum256(nil); got != hex.EncodeToString(empty[:]) {
		t.Errorf("FrameDigest(nil) = %s, want %x", got, empty)
	}
}

func TestCommitment(t *testing.T) {
	base := Plan{
		Schedule: "textiles-monthly", Algorithm: AlgorithmSRS,
		NominalTime: time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai),
		FrameDigest: strings.Repeat("ab", 32), Seed: hex.EncodeToString(seq()),
	}
	want := Commitment(base)
	// The format a verifier recomputes.
	sum := sha256.Sum256([]byte(AlgorithmSRS + "\ntextiles-monthly\n2026-12-01T01:00:00Z\n" + base.FrameDigest + "\n" + base.Seed))
	if want != hex.EncodeToString(sum[:]) {
		t.Errorf("Commitment(plan) = %s, want %x", want, sum)
	}
	tests := []struct {
		name   string
		change func(p *Plan)
		same   bool
	}{
		{"seed", func(p *Plan) { p.Seed = hex.EncodeToString(seedN("x", 0)) }, false},
		{"frame", func(p *Plan) { p.FrameDigest = strings.Repeat("ac", 32) }, false},
		{"schedule", func(p *Plan) { p.Schedule = "textiles-weekly" }, false},
		{"time", func(p *Plan) { p.NominalTime = p.NominalTime.Add(time.Second) }, false},
		{"algorithm", func(p *Plan) { p.Algorithm = "srs-hmac-sha256/v2" }, false},
		{"same instant in UTC", func(p *Plan) { p.NominalTime = p.NominalTime.UTC() }, true},
		{"tasks", func(p *Plan) { p.Tasks = []Task{{CreditCode: "x"}} }, true},
		{"status", func(p *Plan) { p.Status = PlanClosed }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.change(&p)
			if got := Commitment(p); (got == want) != tt.same {
				t.Errorf("Commitment(%s changed) = %s, want same as %s: %t", tt.name, got, want, tt.same)
			}
		})
	}
}

// TestDrawCommitment checks the plan's commitment through Draw: a change of
// seed, frame, schedule or fire time gives another.
func TestDrawCommitment(t *testing.T) {
	spec, frame, inspectors := fixture(t)
	want := mustDraw(t, spec, seq(), frame, inspectors).Commitment
	tests := []struct {
		name   string
		change func(spec *SRSSpec, seed []byte, frame []Unit) []Unit
	}{
		{"seed", func(_ *SRSSpec, seed []byte, f []Unit) []Unit { seed[31] ^= 1; return f }},
		{"frame", func(_ *SRSSpec, _ []byte, f []Unit) []Unit { return f[1:] }},
		{"unit risk", func(_ *SRSSpec, _ []byte, f []Unit) []Unit { f[3].Risk = "D"; return f }},
		{"schedule", func(s *SRSSpec, _ []byte, f []Unit) []Unit { s.Schedule = "textiles-special"; return f }},
		{"time", func(s *SRSSpec, _ []byte, f []Unit) []Unit { s.NominalTime = s.NominalTime.AddDate(0, 1, 0); return f }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, seed, f := spec, seq(), slices.Clone(frame)
			f = tt.change(&s, seed, f)
			got := mustDraw(t, s, seed, f, inspectors).Commitment
			if got == want {
				t.Errorf("Draw(%s changed).Commitment = %s, unchanged, want a different one", tt.name, got)
			}
		})
	}
}
