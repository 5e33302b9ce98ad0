package publication

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"spotcheck/sampling"
)

// Decode reads a disclosure strictly: unknown fields and trailing data are
// errors, so that nothing can be slipped into a disclosure unverified.
func Decode(r io.Reader) (Disclosure, error) {
	var rec Disclosure
	data, err := io.ReadAll(r)
	if err != nil {
		return rec, fmt.Errorf("read public record: %w", err)
	}
	// What is published of a plan before it closes is its commitment alone,
	// which has nothing to verify yet.
	var c Commitment
	if json.Unmarshal(data, &c) == nil && c.Commitment != "" && c.Status != "" && c.Status != sampling.PlanClosed {
		return rec, fmt.Errorf("decode public record: plan %d is %s: only its commitment is published until it closes; save its record again after it closes", c.ID, c.Status)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, fmt.Errorf("decode public record: %w", err)
	}
	if dec.More() {
		return rec, fmt.Errorf("decode public record: data after the record")
	}
	if rec.Format != Format {
		return rec, fmt.Errorf("decode public record: format %q, want %q", rec.Format, Format)
	}
	return rec, nil
}

// Options tune Verify.
type Options struct {
	// PublicKey, when set, is the key the disclosure must be signed with: the
	// one the authority publishes. Without it the disclosure's own key is used,
	// which proves only that the disclosure is whole.
	PublicKey ed25519.PublicKey
	// Commitment, when set, is a commitment saved before the plan closed;
	// the disclosure must carry the same.
	Commitment string
}

// Verify checks a disclosure with nothing but the disclosure: its signature,
// that its draw re-derives from the seed and inputs to the same frame digest,
// commitment and tasks, and that its bulletin sums its tasks' outcomes. It
// returns every difference found, the first first; none means the disclosure
// holds.
func Verify(r Disclosure, opts Options) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	switch {
	case r.Signature == nil:
		add("signature: the record is not signed")
	default:
		pub, err := hex.DecodeString(r.Signature.PublicKey)
		sig, serr := hex.DecodeString(r.Signature.Value)
		msg, merr := signedBytes(r)
		switch {
		case r.Signature.Algorithm != "ed25519":
			add("signature: algorithm %q, want ed25519", r.Signature.Algorithm)
		case err != nil || len(pub) != ed25519.PublicKeySize:
			add("signature: public key is not a hex Ed25519 key")
		case opts.PublicKey != nil && !bytes.Equal(pub, opts.PublicKey):
			add("signature: signed with key %s, want %s", r.Signature.PublicKey, hex.EncodeToString(opts.PublicKey))
		case serr != nil || merr != nil || !ed25519.Verify(pub, msg, sig):
			add("signature: does not match the record: it was altered after signing")
		}
	}
	if opts.Commitment != "" && !strings.EqualFold(opts.Commitment, r.Plan.Commitment) {
		add("plan.commitment: %s, but the commitment published before the plan closed is %s", r.Plan.Commitment, opts.Commitment)
	}
	if r.Plan.Status != sampling.PlanClosed {
		add("plan.status: %q, want closed", r.Plan.Status)
	}

	seed, err := hex.DecodeString(r.Plan.Seed)
	if err != nil || len(seed) == 0 {
		add("plan.seed: %q is not hex", r.Plan.Seed)
		return diffs
	}
	diffs = append(diffs, verifySeedOrigin(r, opts, seed)...)
	var redrawn sampling.Plan
	if r.Draw.Record != nil {
		if !bytes.Equal(r.Draw.Record.Seed.Bytes, seed) {
			add("draw.record.seed: %x, but plan.seed is %s", r.Draw.Record.Seed.Bytes, r.Plan.Seed)
		}
		// A seed with a stated public source must be that source's SHA-256:
		// otherwise the authority could name any text it likes after the fact.
		if src := r.Draw.Record.Seed.Source; src != "" {
			if h := sha256.Sum256([]byte(src)); !bytes.Equal(h[:], seed) {
				add("draw.record.seed.source: the seed %s is not the SHA-256 of its stated source %q (that is %x)", r.Plan.Seed, src, h)
			}
		}
		redrawn, err = sampling.DrawPlan(*r.Draw.Record)
	} else {
		in := sampling.SRSInputs{Spec: r.Draw.Spec, Frame: r.Draw.Frame, Inspectors: r.Draw.Inspectors}
		redrawn, err = in.Redraw(seed)
	}
	if err != nil {
		add("draw: re-running it from the record fails: %v", err)
		return diffs
	}
	for _, c := range []struct{ field, got, want string }{
		{"algorithm", r.Plan.Algorithm, redrawn.Algorithm},
		{"schedule", r.Plan.Schedule, redrawn.Schedule},
		{"industry", r.Plan.Industry, redrawn.Industry},
		{"kind", r.Plan.Kind, redrawn.Kind},
		{"frame_digest", r.Plan.FrameDigest, redrawn.FrameDigest},
		{"frame_size", fmt.Sprint(r.Plan.FrameSize), fmt.Sprint(redrawn.FrameSize)},
		{"commitment", r.Plan.Commitment, redrawn.Commitment},
	} {
		if c.got != c.want {
			add("plan.%s: the record says %s, the re-run draw gives %s", c.field, c.got, c.want)
		}
	}
	if !r.Plan.NominalTime.Equal(redrawn.NominalTime) {
		add("plan.nominal_time: the record says %s, the draw spec %s", r.Plan.NominalTime, redrawn.NominalTime)
	}
	diffs = append(diffs, compareTasks(r.Tasks, redrawn.Tasks)...)
	for i, t := range r.Tasks {
		if msg := checkOutcome(t); msg != "" {
			add("tasks[%d] (task %d): %s", i, t.ID, msg)
		}
	}
	if want := Summarize(r.Plan, r.Tasks); !reflect.DeepEqual(r.Bulletin, want) {
		add("bulletin: %s", bulletinDiff(r.Bulletin, want))
	}
	return diffs
}

// compareTasks matches the disclosure's tasks with the re-run draw's by unit.
func compareTasks(got []Task, want []sampling.Task) []string {
	var diffs []string
	byUnit := map[string]sampling.Task{}
	for _, t := range want {
		byUnit[t.Key()] = t
	}
	seen := map[string]bool{}
	for i, t := range got {
		key := sampling.Unit{CreditCode: t.CreditCode, Category: t.Category}.Key()
		w, ok := byUnit[key]
		if !ok || seen[key] {
			diffs = append(diffs, fmt.Sprintf("tasks[%d] (task %d): unit %s is not in the re-run draw", i, t.ID, key))
			continue
		}
		seen[key] = true
		// The stratified draw works on unit keys; names are not its input.
		if w.Enterprise == "" {
			w.Enterprise = t.Enterprise
		}
		if sampling.SamePi(t.InclusionProbability, w.InclusionProbability) {
			w.InclusionProbability = t.InclusionProbability
		}
		for _, c := range []struct{ field, got, want string }{
			{"enterprise", t.Enterprise, w.Enterprise},
			{"county", t.County, w.County},
			{"tier", t.Tier, w.Tier},
			{"due", t.Due.String(), w.Due.String()},
			{"inclusion_probability", fmt.Sprint(t.InclusionProbability), fmt.Sprint(w.InclusionProbability)},
			{"inspectors", strings.Join(t.Inspectors, ","), strings.Join(w.Inspectors, ",")},
		} {
			if c.got != c.want {
				diffs = append(diffs, fmt.Sprintf("tasks[%d] (task %d, %s): %s is %q, the re-run draw gives %q", i, t.ID, key, c.field, c.got, c.want))
			}
		}
	}
	var missing []string
	for _, t := range want {
		if key := t.Key(); !seen[key] {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		diffs = append(diffs, fmt.Sprintf("tasks: the re-run draw also selects %s, which the record lacks", strings.Join(missing, ", ")))
	}
	return diffs
}

// checkOutcome reports what is inconsistent in a task's outcome fields.
func checkOutcome(t Task) string {
	switch t.Outcome {
	case OutcomePass, OutcomeFail:
		if e := sampling.CheckOutcome(t.Outcome, t.FailedItems); e != nil {
			return e.Reason
		}
	case OutcomeRefused:
		if t.RefusalReason == "" {
			return "a refusal gives no reason"
		}
	case OutcomeNotInspected:
	default:
		return fmt.Sprintf("outcome %q is not pass, fail, refused or not_inspected", t.Outcome)
	}
	if (t.Outcome == OutcomePass || t.Outcome == OutcomeFail) && t.TestedOn == "" {
		return "a tested batch has no test date"
	}
	return ""
}

// bulletinDiff names the first part of the bulletin that differs from the
// one its tasks make.
func bulletinDiff(got, want Bulletin) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			name := strings.Split(g.Type().Field(i).Tag.Get("json"), ",")[0]
			gj, _ := json.Marshal(g.Field(i).Interface())
			wj, _ := json.Marshal(w.Field(i).Interface())
			return fmt.Sprintf("%s is %s, the tasks' outcomes make %s", name, gj, wj)
		}
	}
	return "differs"
}

// verifySeedOrigin checks what the disclosure says of its seed: the label
// matches what the disclosure holds, and a beacon plan's seed is the one its
// announcement fixed, from a beacon value that did not exist when it was
// made, drawn from the input the announcement froze.
func verifySeedOrigin(r Disclosure, opts Options, seed []byte) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if r.SeedOrigin != "" {
		want := r
		want.LabelSeed()
		if r.SeedOrigin != want.SeedOrigin {
			add("seed_origin: the record says %q, but what it holds makes it %q", r.SeedOrigin, want.SeedOrigin)
		} else if r.SeedNote != want.SeedNote {
			add("seed_note: not the fixed wording for seed origin %q", r.SeedOrigin)
		}
	}
	if len(r.Announcements) == 0 && r.Beacon == nil {
		return diffs
	}
	if len(r.Announcements) == 0 || r.Beacon == nil {
		return append(diffs, "announcements: a beacon plan needs both its announcement chain and its beacon value")
	}
	key := opts.PublicKey
	if key == nil && r.Signature != nil {
		if k, err := hex.DecodeString(r.Signature.PublicKey); err == nil && len(k) == ed25519.PublicKeySize {
			key = k // announcements must be signed by the disclosure's own key
		}
	}
	diffs = append(diffs, VerifyChain(r.Announcements, key)...)
	a := r.Announcements[len(r.Announcements)-1]
	where := fmt.Sprintf("announcement %d", a.Sequence)
	if a.Schedule != r.Plan.Schedule || !a.NominalTime.Equal(r.Plan.NominalTime) {
		add("%s: announces schedule %s at %s, the plan is of %s at %s", where, a.Schedule, a.NominalTime.UTC().Format(time.RFC3339),
			r.Plan.Schedule, r.Plan.NominalTime.UTC().Format(time.RFC3339))
	}
	if r.Plan.FrameDigest != a.FrameDigest || r.Plan.FrameSize != a.FrameSize {
		add("%s: announced frame %s of %d units, the plan's is %s of %d: the frame changed after the announcement", where,
			a.FrameDigest, a.FrameSize, r.Plan.FrameDigest, r.Plan.FrameSize)
	}
	if r.Draw.Record == nil {
		add("draw.record: missing; a beacon plan's record carries the input its announcement froze")
	} else {
		if got := sampling.FrozenDigest(*r.Draw.Record); got != a.RecordDigest {
			add("%s: announced draw input %s, the record's is %s: the frame, history, design or inspectors changed after the announcement", where, a.RecordDigest, got)
		}
		if got := sampling.DesignDigest(r.Draw.Record.Design); got != a.DesignDigest {
			add("%s: announced design %s, the record's is %s", where, a.DesignDigest, got)
		}
		if r.Draw.Record.Seed.Source != "" {
			add("draw.record.seed.source: %q: a beacon plan's seed has no other source", r.Draw.Record.Seed.Source)
		}
	}
	want, err := a.BeaconValue(*r.Beacon)
	if err != nil {
		return append(diffs, fmt.Sprintf("%s: %v", where, err))
	}
	if !bytes.Equal(want, seed) {
		add("plan.seed: %s is not the seed %x that announcement %d and its beacon value derive", r.Plan.Seed, want, a.Sequence)
	}
	return diffs
}
