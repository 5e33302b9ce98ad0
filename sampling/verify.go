package sampling

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// commitment is the SHA-256 of the plan's canonical statement: the lines
//
//	algorithm NAME
//	schedule NAME
//	nominal TIME                 (RFC 3339, UTC)
//	design SHA256                (of the design's JSON)
//	inspectors SHA256            (of the qualified inspectors' listing)
//	frame DIGEST
//	seed HEX
//
// then one line per task in plan order: "task", credit code, category and
// the inspectors joined by commas, tab-separated. Shown before the seed is
// revealed, it lets anyone check afterwards that neither the seed nor the
// selection changed. Inclusion probabilities are left out: they follow
// from the frame and design, which the digests pin, and their last bits
// may differ between platforms' exponential functions; Verify compares
// them to 1e−12.
func commitment(p *Plan, rec *DrawRecord) string {
	h := sha256.New()
	fmt.Fprintf(h, "algorithm %s\nschedule %s\nnominal %s\ndesign %s\ninspectors %s\nframe %s\nseed %s\n",
		p.Algorithm, p.Schedule, p.NominalTime.UTC().Format(time.RFC3339Nano), DesignDigest(rec.Design),
		poolDigest(rec.Design.Industry, rec.Inspectors), p.FrameDigest, p.Seed)
	for i := range p.Tasks {
		t := &p.Tasks[i]
		fmt.Fprintf(h, "task\t%s\t%s\t%s\n", t.CreditCode, t.Category, joinIDs(t.Inspectors))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DesignDigest is the SHA-256 of the design's JSON encoding (fields in
// declaration order, map keys sorted).
func DesignDigest(d Design) string {
	b, err := json.Marshal(d)
	if err != nil {
		// A Design holds only strings, numbers, bools, slices and maps.
		panic(fmt.Sprintf("encode design: %v", err))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// poolDigest is the SHA-256 of the listing of the inspectors qualified for
// industry, sorted by ID: ID, county and sorted recusals joined by commas,
// tab-separated, one line each.
func poolDigest(industry string, pool []Inspector) string {
	var lines []string
	for _, in := range pool {
		if slices.Contains(in.Industries, industry) {
			rec := slices.Sorted(slices.Values(in.Recusals))
			lines = append(lines, in.ID+"\t"+in.County+"\t"+strings.Join(rec, ",")+"\n")
		}
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MismatchError reports that a stored plan differs from the plan its record
// re-derives. Differences are in the order checked: seed, frame, tasks,
// commitment.
type MismatchError struct {
	Differences []string
}

func (e *MismatchError) Error() string {
	msg := e.Differences[0]
	if n := len(e.Differences) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more differences)", n)
	}
	return msg
}

// ErrUnknownAlgorithm reports a plan drawn by an algorithm this version
// cannot re-run.
var ErrUnknownAlgorithm = errors.New("unknown algorithm")

// Verify re-derives stored from rec and compares them: the seed with its
// stated source, the frame digest, each task's unit, stratum, inclusion
// probability, inspectors, due date and quantity, and the commitment. It
// returns the re-derived plan, and a *MismatchError listing the differences
// when there are any. Other errors mean that the plan cannot be verified.
func Verify(rec DrawRecord, stored Plan) (Plan, error) {
	if stored.Algorithm != Algorithm {
		return Plan{}, fmt.Errorf("plan %d was drawn by %q; this version re-runs %q: %w", stored.ID, stored.Algorithm, Algorithm, ErrUnknownAlgorithm)
	}
	var diffs []string
	differ := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if got := hex.EncodeToString(rec.Seed.Bytes); got != stored.Seed {
		differ("seed: the record holds %s, the plan %s", got, stored.Seed)
	}
	if rec.Seed.Source != "" {
		if h := sha256.Sum256([]byte(rec.Seed.Source)); hex.EncodeToString(h[:]) != stored.Seed {
			differ("seed: %s is not the SHA-256 of its stated source %q", stored.Seed, rec.Seed.Source)
		}
	}
	derived, err := DrawPlan(rec)
	if err != nil {
		differ("the stored inputs no longer make a plan: %v", err)
		return derived, &MismatchError{diffs}
	}
	if derived.FrameDigest != stored.FrameDigest {
		differ("frame: the stored frame has digest %s, the plan records %s", derived.FrameDigest, stored.FrameDigest)
	}
	if derived.FrameSize != stored.FrameSize {
		differ("frame: %d eligible units re-derived, the plan records %d", derived.FrameSize, stored.FrameSize)
	}
	byKey := make(map[string]*Task, len(stored.Tasks))
	for i := range stored.Tasks {
		byKey[stored.Tasks[i].Key()] = &stored.Tasks[i]
	}
	for i := range derived.Tasks {
		want := &derived.Tasks[i]
		got, ok := byKey[want.Key()]
		if !ok {
			differ("task: the draw selects %s (stratum %s), which the stored plan lacks", want.Key(), want.Stratum)
			continue
		}
		delete(byKey, want.Key())
		want.ID, want.Enterprise, want.Status = got.ID, got.Enterprise, got.Status
		compareTask(got, want, differ)
	}
	var extra []*Task
	for _, t := range byKey {
		extra = append(extra, t)
	}
	slices.SortFunc(extra, func(a, b *Task) int { return cmp.Compare(a.ID, b.ID) })
	for _, t := range extra {
		differ("task %d: unit %s is in the stored plan but not in the re-derived draw", t.ID, t.Key())
	}
	if derived.Commitment != stored.Commitment {
		differ("commitment: re-derived %s, the plan records %s", derived.Commitment, stored.Commitment)
	}
	derived.ID, derived.CreatedAt, derived.Status = stored.ID, stored.CreatedAt, stored.Status
	if len(diffs) > 0 {
		return derived, &MismatchError{diffs}
	}
	return derived, nil
}

// compareTask reports how a stored task differs from the re-derived one.
func compareTask(got, want *Task, differ func(string, ...any)) {
	where := fmt.Sprintf("task %d (%s)", got.ID, got.Key())
	if !SamePi(got.InclusionProbability, want.InclusionProbability) {
		differ("%s: inclusion probability %v, re-derived %v", where, got.InclusionProbability, want.InclusionProbability)
	}
	if !slices.Equal(got.Inspectors, want.Inspectors) {
		differ("%s: inspectors %s, re-derived %s", where, joinIDs(got.Inspectors), joinIDs(want.Inspectors))
	}
	for _, f := range []struct{ name, got, want string }{
		{"county", got.County, want.County},
		{"stratum", got.Stratum, want.Stratum},
		{"tier", got.Tier, want.Tier},
		{"due date", got.Due.String(), want.Due.String()},
	} {
		if f.got != f.want {
			differ("%s: %s %q, re-derived %q", where, f.name, f.got, f.want)
		}
	}
	if got.Quantity != want.Quantity {
		differ("%s: quantity %+v, re-derived %+v", where, got.Quantity, want.Quantity)
	}
}

// SamePi reports whether two inclusion probabilities are equal up to a
// relative 1e-12: their last bits may differ between platforms, or after a
// database's text or binary round trip.
func SamePi(a, b float64) bool {
	return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}
