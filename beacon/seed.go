package beacon

import (
	"crypto/sha256"
	"fmt"
)

// Beacon kinds.
const (
	KindDrand = "drand"
	KindText  = "text"
)

// Value is a beacon's value once it is known: a verified drand round, or a
// person's reading of a public result in its one accepted spelling.
type Value struct {
	Kind string `json:"kind"`
	// Chain (hash), Round, Signature and Randomness for drand.
	Chain      string `json:"chain,omitempty"`
	Round      uint64 `json:"round,omitempty"`
	Signature  string `json:"signature,omitempty"`
	Randomness string `json:"randomness,omitempty"`
	// Text is the normalized public result, for text.
	Text string `json:"text,omitempty"`
}

// SeedDerivation names the rule DeriveSeed follows; announcements state it.
const SeedDerivation = "sha256(\"spotcheck-seed/v1\\n\" + \"announcement \" + ANNOUNCEMENT_HASH + \"\\n\" + BEACON_LINE + \"\\n\"), where BEACON_LINE is \"drand CHAIN_HASH ROUND RANDOMNESS\" or \"text NORMALIZED_VALUE\""

// DeriveSeed returns the draw's seed: SHA-256 of the announcement's hash
// and the beacon's value, as SeedDerivation spells out. Binding the
// announcement makes each announcement's seed its own even when two share a
// beacon round.
func DeriveSeed(announcementHash string, v Value) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "spotcheck-seed/v1\nannouncement %s\n", announcementHash)
	switch v.Kind {
	case KindDrand:
		fmt.Fprintf(h, "drand %s %d %s\n", v.Chain, v.Round, v.Randomness)
	default:
		fmt.Fprintf(h, "text %s\n", v.Text)
	}
	return h.Sum(nil)
}
