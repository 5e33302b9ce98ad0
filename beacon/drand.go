// Package beacon reads public randomness that nobody taking part in a draw
// controls: rounds of a drand chain (the League of Entropy's beacon),
// verified against the chain's pinned public key, and public results read
// by a person (a lottery draw, say), normalized by a template fixed in
// advance so that each result has exactly one accepted spelling. It also
// derives a draw's seed from an announcement and a beacon value.
package beacon

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/drand/kyber"
	bls "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/sign"
	signbls "github.com/drand/kyber/sign/bls"
)

// SchemeG1RFC9380 is drand's scheme of unchained signatures on G1 of
// BLS12-381, hashed to the curve as RFC 9380 says: the message of round r is
// SHA-256 of r as 8 big-endian bytes, and the round's randomness is SHA-256
// of its signature. It is the scheme of quicknet.
const SchemeG1RFC9380 = "bls-unchained-g1-rfc9380"

// Chain is a drand chain's public parameters, as its relays serve them at
// /{hash}/info.
type Chain struct {
	// Name is what the chain is called in announcements ("quicknet").
	Name string `json:"name"`
	// Hash is the chain hash (hex): SHA-256 of the other parameters.
	Hash string `json:"hash"`
	// PublicKey is the group's BLS public key on G2 (hex, 96 bytes).
	PublicKey string `json:"public_key"`
	Scheme    string `json:"scheme"`
	// PeriodSeconds is the time between rounds; GenesisTime the Unix time
	// of round 1.
	PeriodSeconds int64 `json:"period"`
	GenesisTime   int64 `json:"genesis_time"`
	// GenesisSeed (hex) and BeaconID enter the chain hash.
	GenesisSeed string `json:"genesis_seed"`
	BeaconID    string `json:"beacon_id"`
}

// Quicknet is the League of Entropy's quicknet chain: a round every 3
// seconds since 2023-08-23, signatures on G1. Its parameters are pinned
// here as published by drand (https://api.drand.sh/52db9b…/info); Verify
// checks that they hash to the chain hash.
func Quicknet() Chain {
	return Chain{
		Name:          "quicknet",
		Hash:          "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
		PublicKey:     "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
		Scheme:        SchemeG1RFC9380,
		PeriodSeconds: 3,
		GenesisTime:   1692803367,
		GenesisSeed:   "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
		BeaconID:      "quicknet",
	}
}

// RoundTime is the time round r is published: genesis + (r−1)·period.
func (c Chain) RoundTime(r uint64) time.Time {
	if r == 0 {
		return time.Unix(c.GenesisTime, 0).UTC()
	}
	return time.Unix(c.GenesisTime+int64(r-1)*c.PeriodSeconds, 0).UTC()
}

// RoundAt is the newest round published at t (0 before genesis).
func (c Chain) RoundAt(t time.Time) uint64 {
	d := t.Unix() - c.GenesisTime
	if d < 0 || c.PeriodSeconds <= 0 {
		return 0
	}
	return uint64(d/c.PeriodSeconds) + 1
}

// FirstRoundAfter is the first round published strictly after t, and at
// least delay after it: the round an announcement made at t can name so
// that its value did not exist when the announcement was made.
func (c Chain) FirstRoundAfter(t time.Time, delay time.Duration) uint64 {
	return c.RoundAt(t.Add(delay)) + 1
}

// computedHash is drand's chain hash: SHA-256 of the period (4 bytes), the
// genesis time (8 bytes), the public key, the genesis seed and, for a beacon
// ID other than "default", the ID.
func (c Chain) computedHash() (string, error) {
	pub, err := hex.DecodeString(c.PublicKey)
	if err != nil {
		return "", fmt.Errorf("public_key: %w", err)
	}
	seed, err := hex.DecodeString(c.GenesisSeed)
	if err != nil {
		return "", fmt.Errorf("genesis_seed: %w", err)
	}
	h := sha256.New()
	_ = binary.Write(h, binary.BigEndian, uint32(c.PeriodSeconds))
	_ = binary.Write(h, binary.BigEndian, c.GenesisTime)
	h.Write(pub)
	h.Write(seed)
	if c.BeaconID != "" && c.BeaconID != "default" {
		h.Write([]byte(c.BeaconID))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Round is one round of a drand chain as relays serve it at
// /{chain hash}/public/{round}.
type Round struct {
	Round      uint64 `json:"round"`
	Randomness string `json:"randomness"`
	Signature  string `json:"signature"`
}

// Errors of Verify a caller may branch on.
var (
	// ErrForged: the signature is not the chain's signature of the round.
	ErrForged = errors.New("signature does not verify against the chain's public key")
	// ErrWrongRound: a valid round, but not the one asked for.
	ErrWrongRound = errors.New("not the round asked for")
)

// Verifier checks rounds of one chain.
type Verifier struct {
	chain  Chain
	scheme sign.Scheme
	public kyber.Point
}

// NewVerifier checks the chain's parameters (its scheme is supported, its
// public key is a point of G2, and the parameters hash to the chain hash)
// and returns a verifier of its rounds.
func NewVerifier(c Chain) (*Verifier, error) {
	if c.Scheme != SchemeG1RFC9380 {
		return nil, fmt.Errorf("drand chain %s: scheme %q is not supported (want %s)", c.Hash, c.Scheme, SchemeG1RFC9380)
	}
	if c.PeriodSeconds <= 0 {
		return nil, fmt.Errorf("drand chain %s: period %d: want a positive number of seconds", c.Hash, c.PeriodSeconds)
	}
	got, err := c.computedHash()
	if err != nil {
		return nil, fmt.Errorf("drand chain %s: %w", c.Hash, err)
	}
	if got != c.Hash {
		return nil, fmt.Errorf("drand chain %s: its parameters hash to %s: they are not that chain's", c.Hash, got)
	}
	suite := bls.NewBLS12381SuiteWithDST(
		[]byte("BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"),
		[]byte("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"),
	)
	pub := suite.G2().Point()
	raw, _ := hex.DecodeString(c.PublicKey) // computedHash decoded it
	if err := pub.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("drand chain %s: public key: %w", c.Hash, err)
	}
	return &Verifier{chain: c, scheme: signbls.NewSchemeOnG1(suite), public: pub}, nil
}

// Verify checks that r is round want of the chain: the round number, the
// BLS signature of the round under the chain's public key, and the
// randomness, which must be SHA-256 of the signature. It returns the
// randomness.
func (v *Verifier) Verify(r Round, want uint64) ([]byte, error) {
	if r.Round != want {
		return nil, fmt.Errorf("drand %s round %d: %w (want round %d)", v.chain.Name, r.Round, ErrWrongRound, want)
	}
	sig, err := hex.DecodeString(r.Signature)
	if err != nil || len(sig) != 48 {
		return nil, fmt.Errorf("drand %s round %d: signature %q: %w: want 48 bytes in hex", v.chain.Name, r.Round, r.Signature, ErrForged)
	}
	if err := v.scheme.Verify(v.public, roundMessage(r.Round), sig); err != nil {
		return nil, fmt.Errorf("drand %s round %d: %w", v.chain.Name, r.Round, ErrForged)
	}
	rand := sha256.Sum256(sig)
	if got, err := hex.DecodeString(r.Randomness); err != nil || !bytes.Equal(got, rand[:]) {
		return nil, fmt.Errorf("drand %s round %d: randomness %q is not SHA-256 of the signature (%x)", v.chain.Name, r.Round, r.Randomness, rand)
	}
	return rand[:], nil
}

// roundMessage is what the chain signs for round r: SHA-256 of r as 8
// big-endian bytes.
func roundMessage(r uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], r)
	h := sha256.Sum256(b[:])
	return h[:]
}

// KnownChain returns the pinned parameters of the drand chain with the
// given hash. Offline verification trusts only pinned chains: a record
// cannot bring its own public key.
func KnownChain(hash string) (Chain, bool) {
	if q := Quicknet(); hash == q.Hash {
		return q, true
	}
	return Chain{}, false
}
