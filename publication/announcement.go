package publication

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"spotcheck/beacon"
	"spotcheck/sampling"
)

// AnnouncementFormat names the layout of an Announcement.
const AnnouncementFormat = "spotcheck-announcement/v1"

// Announcement is published when a schedule whose seed comes from a public
// beacon fires: it fixes everything the draw depends on (the frame, the
// design, the inspectors) and the exact beacon value that will seed it,
// before that value exists. Announcements form a hash chain: each names the
// hash of the one before it, so one made and withheld leaves a gap that
// anyone holding the chain sees.
type Announcement struct {
	Format string `json:"format"`
	// Sequence counts announcements from 1; Previous is the hash of
	// announcement Sequence−1 ("" for the first).
	Sequence    int64     `json:"sequence"`
	Previous    string    `json:"previous"`
	Schedule    string    `json:"schedule"`
	Industry    string    `json:"industry"`
	NominalTime time.Time `json:"nominal_time"`
	AnnouncedAt time.Time `json:"announced_at"`
	Algorithm   string    `json:"algorithm"`
	// FrameDigest and FrameSize are the frozen frame's; DesignDigest is of
	// the design (every parameter of the draw); RecordDigest of the whole
	// frozen input (sampling.FrozenDigest).
	FrameDigest  string `json:"frame_digest"`
	FrameSize    int    `json:"frame_size"`
	DesignDigest string `json:"design_digest"`
	RecordDigest string `json:"record_digest"`
	Beacon       Source `json:"beacon"`
	// SeedDerivation spells out how the seed follows from this
	// announcement's hash and the beacon's value (beacon.SeedDerivation).
	SeedDerivation string     `json:"seed_derivation"`
	Signature      *Signature `json:"signature,omitempty"`
}

// Source is the beacon an announcement names: a drand round, or a public
// result read by a person.
type Source struct {
	Kind string `json:"kind"` // beacon.KindDrand or beacon.KindText
	// Chain (hash) and ChainName, Round and RoundTime for drand.
	Chain     string    `json:"chain,omitempty"`
	ChainName string    `json:"chain_name,omitempty"`
	Round     uint64    `json:"round,omitempty"`
	RoundTime time.Time `json:"round_time,omitzero"`
	// Description says what will be read, Template how it is written, and
	// ExpectedAt when it is due, for text.
	Description string    `json:"description,omitempty"`
	Template    string    `json:"template,omitempty"`
	ExpectedAt  time.Time `json:"expected_at,omitzero"`
}

// announcementBytes is what an announcement's signature and hash cover: the
// announcement without its signature, as encoding/json writes it.
func announcementBytes(a Announcement) []byte {
	a.Signature = nil
	b, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("encode announcement: %v", err)) // strings, numbers and times only
	}
	return b
}

// Hash is the announcement's hash: SHA-256 of its JSON without the
// signature, in hex. The next announcement names it, and the seed is
// derived from it.
func (a Announcement) Hash() string {
	h := sha256.Sum256(announcementBytes(a))
	return hex.EncodeToString(h[:])
}

// SignAnnouncement signs a with key.
func SignAnnouncement(a *Announcement, key ed25519.PrivateKey) {
	a.Signature = &Signature{Algorithm: "ed25519", PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey)),
		Value: hex.EncodeToString(ed25519.Sign(key, announcementBytes(*a)))}
}

// KeyFingerprint is a public key's fingerprint as spotcheck prints it for
// publishing through other channels: SHA-256 of the key bytes, in groups
// of four hex digits.
func KeyFingerprint(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	s := hex.EncodeToString(h[:])
	var out []byte
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i:i+4]...)
	}
	return string(out)
}

// NewAnnouncement returns the unsigned announcement of a frozen draw,
// following prev in the chain (nil for the first).
func NewAnnouncement(prev *Announcement, fz sampling.Frozen, src Source, at time.Time) Announcement {
	a := Announcement{Format: AnnouncementFormat, Sequence: 1, Schedule: fz.Record.Schedule, Industry: fz.Record.Design.Industry,
		NominalTime: fz.Record.NominalTime.UTC(), AnnouncedAt: at.UTC(), Algorithm: sampling.Algorithm,
		FrameDigest: fz.FrameDigest, FrameSize: fz.FrameSize, DesignDigest: fz.DesignDigest, RecordDigest: fz.RecordDigest,
		Beacon: src, SeedDerivation: beacon.SeedDerivation}
	if prev != nil {
		a.Sequence, a.Previous = prev.Sequence+1, prev.Hash()
	}
	return a
}

// ErrBeaconTooEarly reports a beacon value that was public before the
// announcement naming it.
var ErrBeaconTooEarly = errors.New("the beacon value was public before the announcement")

// BeaconValue checks v, the beacon's value, against the announcement's
// source: the drand round named, from the pinned chain, published after the
// announcement and validly signed; or a text in the template's one accepted
// spelling. It returns the seed derived from the announcement and v.
func (a Announcement) BeaconValue(v beacon.Value) ([]byte, error) {
	src := a.Beacon
	if v.Kind != src.Kind {
		return nil, fmt.Errorf("beacon: a %s value for a %s beacon", v.Kind, src.Kind)
	}
	switch src.Kind {
	case beacon.KindDrand:
		chain, ok := beacon.KnownChain(src.Chain)
		if !ok {
			return nil, fmt.Errorf("beacon: drand chain %s is not one this version pins", src.Chain)
		}
		if v.Chain != src.Chain {
			return nil, fmt.Errorf("beacon: a round of chain %s, the announcement names chain %s", v.Chain, src.Chain)
		}
		if at := chain.RoundTime(src.Round); !at.After(a.AnnouncedAt) {
			return nil, fmt.Errorf("beacon: round %d of %s was published at %s, not after the announcement at %s: %w",
				src.Round, chain.Name, at.Format(time.RFC3339), a.AnnouncedAt.UTC().Format(time.RFC3339), ErrBeaconTooEarly)
		}
		if !src.RoundTime.IsZero() && !src.RoundTime.Equal(chain.RoundTime(src.Round)) {
			return nil, fmt.Errorf("beacon: round_time %s, but round %d of %s is published at %s", src.RoundTime, src.Round, chain.Name, chain.RoundTime(src.Round))
		}
		ver, err := beacon.NewVerifier(chain)
		if err != nil {
			return nil, fmt.Errorf("beacon: %w", err)
		}
		if _, err := ver.Verify(beacon.Round{Round: v.Round, Randomness: v.Randomness, Signature: v.Signature}, src.Round); err != nil {
			return nil, fmt.Errorf("beacon: %w", err)
		}
	case beacon.KindText:
		tpl, err := beacon.ParseTemplate(src.Template)
		if err != nil {
			return nil, fmt.Errorf("beacon: %w", err)
		}
		norm, err := tpl.Normalize(v.Text)
		if err != nil {
			return nil, fmt.Errorf("beacon: %w", err)
		}
		if norm != v.Text {
			return nil, fmt.Errorf("beacon: text %q is not in its one accepted spelling %q", v.Text, norm)
		}
		if !src.ExpectedAt.After(a.AnnouncedAt) {
			return nil, fmt.Errorf("beacon: the result was expected at %s, not after the announcement at %s: %w",
				src.ExpectedAt.UTC().Format(time.RFC3339), a.AnnouncedAt.UTC().Format(time.RFC3339), ErrBeaconTooEarly)
		}
	default:
		return nil, fmt.Errorf("beacon: kind %q is not drand or text", src.Kind)
	}
	return beacon.DeriveSeed(a.Hash(), v), nil
}

// VerifyChain checks a chain of announcements from the first: each signed
// by key (or, without one, by the key of the first), numbered from 1 with
// no gap, and naming the hash of the one before it. It returns every
// difference found.
func VerifyChain(chain []Announcement, key ed25519.PublicKey) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if len(chain) == 0 {
		return []string{"announcements: none"}
	}
	for i, a := range chain {
		where := fmt.Sprintf("announcements[%d] (sequence %d)", i, a.Sequence)
		if a.Format != AnnouncementFormat {
			add("%s: format %q, want %q", where, a.Format, AnnouncementFormat)
		}
		if msg := checkSignature(a.Signature, announcementBytes(a), key); msg != "" {
			add("%s: %s", where, msg)
		}
		if key == nil && a.Signature != nil {
			if k, err := hex.DecodeString(a.Signature.PublicKey); err == nil && len(k) == ed25519.PublicKeySize {
				key = k // later announcements must share the first one's key
			}
		}
		switch {
		case i == 0 && (a.Sequence != 1 || a.Previous != ""):
			add("%s: the chain must start at sequence 1 with no previous hash; announcements before it are withheld", where)
		case i > 0 && a.Sequence != chain[i-1].Sequence+1:
			add("%s: follows sequence %d: announcements %d to %d are withheld (a gap in the chain)", where, chain[i-1].Sequence, chain[i-1].Sequence+1, a.Sequence-1)
		case i > 0 && a.Previous != chain[i-1].Hash():
			add("%s: previous hash %s is not the hash %s of sequence %d: the chain is broken", where, a.Previous, chain[i-1].Hash(), chain[i-1].Sequence)
		}
	}
	return diffs
}

// checkSignature checks sig over msg, against key when it is set; it
// returns what is wrong, or "".
func checkSignature(sig *Signature, msg []byte, key ed25519.PublicKey) string {
	if sig == nil {
		return "signature: not signed"
	}
	pub, err := hex.DecodeString(sig.PublicKey)
	val, verr := hex.DecodeString(sig.Value)
	switch {
	case sig.Algorithm != "ed25519":
		return fmt.Sprintf("signature: algorithm %q, want ed25519", sig.Algorithm)
	case err != nil || len(pub) != ed25519.PublicKeySize:
		return "signature: public key is not a hex Ed25519 key"
	case key != nil && !equalBytes(pub, key):
		return fmt.Sprintf("signature: signed with key %s, want %s", sig.PublicKey, hex.EncodeToString(key))
	case verr != nil || !ed25519.Verify(pub, msg, val):
		return "signature: does not match: altered after signing"
	}
	return ""
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }
