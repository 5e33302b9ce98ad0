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
// and checks that a plan can be drawn from it with the zero seed. That
// catches what no seed can mend (allocation minimums, a frame too small,
// too few inspectors), but not all: inspector assignment depends on which
// units are drawn, so a record whose zero-seed draw fails may draw with
// another seed and, the other way round, a draw with the beacon's seed can
// still meet a unit that too few inspectors may take (recusals, the county
// rule, caps). Among random records, the record of PCG(37, 77) in
// TestFreezeKeepsTheDrawsFrame's loop is refused here yet draws with its
// own seed; scheduler.TestBeaconDrawFailsForGood makes the other way round,
// which the scheduler records as the announcement's one draw, failed.
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
