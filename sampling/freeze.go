package sampling

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// Frozen is a draw's input fixed before its seed exists, for a draw whose
// seed comes from a public beacon: the disclosure the draw will be made from
// (without a seed), and the digests an announcement publishes of it.
type Frozen struct {
	// Record is what DrawPlan will be given, its Seed empty: the population,
	// the history that shapes the frame, the design and the qualified
	// inspectors, trimmed as a plan stores them.
	Record DrawRecord
	// FrameDigest and FrameSize are the frame's, as the plan will record
	// them; DesignDigest is DesignDigest(Record.Design).
	FrameDigest  string
	FrameSize    int
	DesignDigest string
	// RecordDigest is FrozenDigest(Record).
	RecordDigest string
}

// Freeze fixes rec (its seed ignored) for a later draw: it builds the frame
// and checks that a plan can be drawn from it, so that an announcement only
// ever names a draw that can be made. Whether a plan can be drawn does not
// depend on the seed: allocation minimums and inspector assignment either
// have a solution or not.
func Freeze(rec DrawRecord) (Frozen, error) {
	rec.Seed = Seed{Bytes: make([]byte, SeedSize)}
	plan, err := DrawPlan(rec)
	if err != nil {
		return Frozen{}, err
	}
	frozen := plan.Record.Expanded()
	frozen.Seed = Seed{}
	return Frozen{Record: frozen, FrameDigest: plan.FrameDigest, FrameSize: plan.FrameSize,
		DesignDigest: DesignDigest(frozen.Design), RecordDigest: FrozenDigest(frozen)}, nil
}

// FrozenDigest is the SHA-256 of rec's JSON encoding with its seed and
// inspectors' names left out: everything a draw depends on besides the seed.
func FrozenDigest(rec DrawRecord) string {
	rec = rec.Expanded()
	rec.Seed = Seed{}
	// Inspectors' names are not an input of the draw, and disclosures
	// leave them out.
	rec.Inspectors = slices.Clone(rec.Inspectors)
	for i := range rec.Inspectors {
		rec.Inspectors[i].Name = ""
	}
	b, err := json.Marshal(rec)
	if err != nil {
		// A DrawRecord holds only strings, numbers, times, slices and maps.
		panic(fmt.Sprintf("encode record: %v", err))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
