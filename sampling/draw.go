package sampling

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// AlgorithmSRS names the draw implemented by DrawSRS. A change that alters which
// units or inspectors a seed selects must change this name, so that stored
// plans keep verifying against the algorithm that made them.
const AlgorithmSRS = "srs-hmac-sha256/v1"

// SeedSize is the length in bytes of a draw seed.
const SeedSize = 32

// SRSSpec is what a schedule asked of one draw of the first generation
// (DrawSRS); the draw of today is DrawPlan, of a DrawRecord.
type SRSSpec struct {
	Schedule    string
	Industry    string
	NominalTime time.Time
	Kind        string
	// Categories maps each category of the industry to its tier; units of
	// other categories are not in the frame.
	Categories map[string]string
	// Batches is the plan size; when zero, Fraction of the frame is drawn.
	Batches  int
	Fraction float64
	// InspectorsPerTask distinct inspectors go to each task.
	InspectorsPerTask int
	// CrossCounty forbids sending an inspector to an enterprise of the
	// inspector's own county.
	CrossCounty bool
	// MaxTasksPerInspector caps one inspector's tasks in the plan; zero
	// means no cap.
	MaxTasksPerInspector int
	// Due is the tasks' due date: the day of this instant in its own
	// zone. It stays a time.Time, not a Day, because the spec is stored
	// and published as JSON with the first-generation draw records, and
	// those records must keep decoding and verifying.
	Due time.Time
}

// ErrEmptyFrame reports a draw from a frame with no eligible units.
var ErrEmptyFrame = errors.New("no eligible units in the frame")

// DrawSRS is the first generation of the draw (AlgorithmSRS), superseded
// by DrawPlan and kept so that the disclosures of plans it made still
// verify. It makes the plan for spec from frame and inspectors with seed. The
// result depends only on its arguments, never on the order of frame or
// inspectors, so anyone holding them can re-derive it.
//
// Units are ranked by the first 8 bytes of HMAC-SHA256(seed, unit key) and
// the lowest n are drawn: a simple random sample without replacement, each
// unit with inclusion probability n/N. Inspectors are ranked per task the
// same way and the lowest eligible ones are assigned.
func DrawSRS(spec SRSSpec, seed []byte, frame []Unit, inspectors []Inspector) (Plan, error) {
	units := make([]Unit, 0, len(frame))
	for _, u := range frame {
		if _, ok := spec.Categories[u.Category]; ok && u.Industry == spec.Industry {
			units = append(units, u)
		}
	}
	slices.SortFunc(units, func(a, b Unit) int { return cmp.Compare(a.Key(), b.Key()) })
	plan := Plan{
		Schedule:    spec.Schedule,
		Industry:    spec.Industry,
		Kind:        spec.Kind,
		NominalTime: spec.NominalTime,
		Status:      PlanOpen,
		Algorithm:   AlgorithmSRS,
		Seed:        hex.EncodeToString(seed),
		FrameDigest: FrameDigest(units),
		FrameSize:   len(units),
	}
	plan.Commitment = Commitment(plan)
	if len(units) == 0 {
		return plan, fmt.Errorf("industry %q: %w", spec.Industry, ErrEmptyFrame)
	}
	n := spec.Batches
	if n == 0 {
		n = int(math.Round(spec.Fraction * float64(len(units))))
	}
	n = max(min(n, len(units)), 1)

	type ranked struct {
		unit Unit
		u    uint64
	}
	order := make([]ranked, len(units))
	for i, u := range units {
		order[i] = ranked{u, uniform(seed, "unit:"+u.Key())}
	}
	slices.SortFunc(order, func(a, b ranked) int { return cmp.Compare(a.u, b.u) })

	load := map[string]int{}
	pi := float64(n) / float64(len(units))
	for _, r := range order[:n] {
		ids, err := assign(spec, seed, r.unit, inspectors, load)
		if err != nil {
			return plan, err
		}
		plan.Tasks = append(plan.Tasks, Task{
			CreditCode:           r.unit.CreditCode,
			Enterprise:           r.unit.Enterprise,
			County:               r.unit.County,
			Category:             r.unit.Category,
			Tier:                 spec.Categories[r.unit.Category],
			InclusionProbability: pi,
			Inspectors:           ids,
			Due:                  DayOf(spec.Due, spec.Due.Location()),
			Status:               TaskAssigned,
		})
	}
	plan.TaskCount = len(plan.Tasks)
	return plan, nil
}

// assign picks the task's inspectors: qualified for the industry, not recused
// from the enterprise, from another county when required, and under the
// per-plan cap, lowest HMAC rank first.
func assign(spec SRSSpec, seed []byte, unit Unit, inspectors []Inspector, load map[string]int) ([]string, error) {
	type ranked struct {
		id string
		u  uint64
	}
	var eligible []ranked
	for _, in := range inspectors {
		switch {
		case !slices.Contains(in.Industries, spec.Industry),
			slices.Contains(in.Recusals, unit.CreditCode),
			spec.CrossCounty && in.County == unit.County,
			spec.MaxTasksPerInspector > 0 && load[in.ID] >= spec.MaxTasksPerInspector:
			continue
		}
		eligible = append(eligible, ranked{in.ID, uniform(seed, "inspector:"+unit.Key()+":"+in.ID)})
	}
	k := max(spec.InspectorsPerTask, 1)
	if len(eligible) < k {
		return nil, fmt.Errorf("task for %s (county %s, category %s): %d eligible inspectors, need %d (qualified for %q, not recused, cross_county=%t, max_tasks_per_inspector=%d)",
			unit.CreditCode, unit.County, unit.Category, len(eligible), k, spec.Industry, spec.CrossCounty, spec.MaxTasksPerInspector)
	}
	slices.SortFunc(eligible, func(a, b ranked) int { return cmp.Compare(a.u, b.u) })
	ids := make([]string, k)
	for i := range k {
		ids[i] = eligible[i].id
		load[ids[i]]++
	}
	return ids, nil
}

// uniform maps (seed, key) to a uniform 64-bit number: the first 8 bytes of
// HMAC-SHA256(seed, key).
func uniform(seed []byte, key string) uint64 {
	m := hmac.New(sha256.New, seed)
	m.Write([]byte(key))
	return binary.BigEndian.Uint64(m.Sum(nil))
}

// FrameDigest is the SHA-256 of the frame's units in key order, one line per
// unit: key, county and risk class. It pins the population a plan drew from.
func FrameDigest(units []Unit) string {
	sorted := slices.Clone(units)
	slices.SortFunc(sorted, func(a, b Unit) int { return cmp.Compare(a.Key(), b.Key()) })
	h := sha256.New()
	for _, u := range sorted {
		fmt.Fprintf(h, "%s\t%s\t%s\n", u.Key(), u.County, u.Risk)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Commitment binds a plan's algorithm, schedule, fire time, frame and seed.
// Published before the plan closes, it lets the public check afterwards that
// the revealed seed was fixed when the plan was made.
func Commitment(p Plan) string {
	h := sha256.Sum256([]byte(strings.Join([]string{
		p.Algorithm, p.Schedule, p.NominalTime.UTC().Format(time.RFC3339), p.FrameDigest, p.Seed,
	}, "\n")))
	return hex.EncodeToString(h[:])
}
