package beacon

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// quicknetRounds loads the real quicknet rounds of testdata.
func quicknetRounds(t *testing.T) []Round {
	t.Helper()
	b, err := os.ReadFile("testdata/quicknet_rounds.json")
	if err != nil {
		t.Fatal(err)
	}
	var rounds []Round
	if err := json.Unmarshal(b, &rounds); err != nil {
		t.Fatal(err)
	}
	if len(rounds) != 6 {
		t.Fatalf("testdata has %d rounds, want 6", len(rounds))
	}
	return rounds
}

func quicknetVerifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier(Quicknet())
	if err != nil {
		t.Fatalf("NewVerifier(Quicknet()) = %v", err)
	}
	return v
}

// walkthrough is another drand chain of the same scheme, from drand's
// JavaScript client's tests, with one of its rounds.
func walkthrough() (Chain, Round) {
	return Chain{
			Name:          "walkthrough",
			Hash:          "af8b6fc95693b058a3a59efe586eb31c2c352fe00cf40c62a427d87c34f7a235",
			PublicKey:     "81d320f220ee9c79e60e19dedc838c31e3ab919b15481e9feb52f643628c4f6a13fdc52129493875a818109d767272ca0541cbcdcea9335f2870d781b39b845ba8cbd44fdfe4967781cf72ca5917fc9398bcf97ca0548ed5a709016c4b1ff0f3",
			Scheme:        SchemeG1RFC9380,
			PeriodSeconds: 3,
			GenesisTime:   1687506816,
			GenesisSeed:   "02d678e93908888871b70e3f015b396a8c082bc1493ae5479f8743cb5d972b54",
			BeaconID:      "walkthrough",
		}, Round{
			Round:      38,
			Randomness: "b2fc21325a24904a6a9e81a6c63f65f6cec3f0b2400df3f4a56b214770e9ccca",
			Signature:  "95c93585c513ebbcb4777ff15599b3140e5ec0295faa0e483f3deadd88fa6d43f0d3703e3a4ce106e8fd6c6987f32126",
		}
}

// TestQuicknetRounds verifies real published quicknet rounds against the
// pinned public key, and their randomness.
func TestQuicknetRounds(t *testing.T) {
	v := quicknetVerifier(t)
	want := map[uint64]string{
		1000:     "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
		32398885: "b6d412641a7d58b20ef5dded4ae48e9358cc35710f90961d8fe6e99d0e0281ef",
	}
	for _, r := range quicknetRounds(t) {
		rand, err := v.Verify(r, r.Round)
		if err != nil {
			t.Errorf("Verify(quicknet round %d) = %v, want it valid", r.Round, err)
			continue
		}
		if w, ok := want[r.Round]; ok && w != r.Randomness {
			t.Errorf("round %d randomness %s, want %s", r.Round, r.Randomness, w)
		}
		if string(rand) == "" || len(rand) != 32 {
			t.Errorf("Verify(round %d) randomness %x, want 32 bytes", r.Round, rand)
		}
	}
}

// TestQuicknetRejects checks that a forged signature, a wrong round,
// another round's signature, altered randomness and other chains' rounds
// are all rejected, each with its reason.
func TestQuicknetRejects(t *testing.T) {
	v := quicknetVerifier(t)
	rounds := quicknetRounds(t)
	r1000, r1001 := rounds[0], rounds[1]
	other, otherRound := walkthrough()
	flip := func(s string) string { // change one bit of the signature
		b := []byte(s)
		if b[20] == '0' {
			b[20] = '1'
		} else {
			b[20] = '0'
		}
		return string(b)
	}
	tests := []struct {
		name  string
		r     Round
		want  uint64
		err   error
		inErr string
	}{
		{"one bit of the signature flipped", Round{1000, r1000.Randomness, flip(r1000.Signature)}, 1000, ErrForged, ""},
		{"round 1001's signature as round 1000", Round{1000, r1001.Randomness, r1001.Signature}, 1000, ErrForged, ""},
		{"a valid round, not the one asked for", r1001, 1000, ErrWrongRound, "want round 1000"},
		{"round number changed", Round{1001, r1000.Randomness, r1000.Signature}, 1001, ErrForged, ""},
		{"signature not hex", Round{1000, r1000.Randomness, "zz"}, 1000, ErrForged, ""},
		{"signature of the wrong length", Round{1000, r1000.Randomness, r1000.Signature + "00"}, 1000, ErrForged, ""},
		{"randomness altered", Round{1000, r1001.Randomness, r1000.Signature}, 1000, nil, "is not SHA-256 of the signature"},
		{"fastnet's round 1000", Round{1000, "", "b09eacd45767c4d58306b98901ad0d6086e2663766f3a4ec71d00cf26f0f49eaf248abc7151c60cf419c4e8b37e80412"}, 1000, ErrForged, ""},
		{"walkthrough's round 38", otherRound, 38, ErrForged, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(tc.r, tc.want)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) || !strings.Contains(err.Error(), tc.inErr) {
				t.Errorf("Verify(%s) = %v, want %v %q", tc.name, err, tc.err, tc.inErr)
			}
		})
	}
	// The other chain's round is valid on its own chain: the rejection
	// above is the key's doing, not a broken verifier.
	ov, err := NewVerifier(other)
	if err != nil {
		t.Fatalf("NewVerifier(walkthrough) = %v", err)
	}
	if _, err := ov.Verify(otherRound, 38); err != nil {
		t.Errorf("walkthrough Verify(round 38) = %v, want valid", err)
	}
	if _, err := ov.Verify(r1000, 1000); !errors.Is(err, ErrForged) {
		t.Errorf("walkthrough Verify(quicknet round 1000) = %v, want ErrForged", err)
	}
}

// TestChainParameters checks that a chain's parameters must hash to its
// chain hash: quicknet's key under another hash, or another key under
// quicknet's hash, is refused.
func TestChainParameters(t *testing.T) {
	other, _ := walkthrough()
	tests := []struct {
		name  string
		alter func(c *Chain)
		want  string
	}{
		{"another chain's key", func(c *Chain) { c.PublicKey = other.PublicKey }, "they are not that chain's"},
		{"another period", func(c *Chain) { c.PeriodSeconds = 30 }, "they are not that chain's"},
		{"another genesis", func(c *Chain) { c.GenesisTime++ }, "they are not that chain's"},
		{"another hash", func(c *Chain) { c.Hash = other.Hash }, "they are not that chain's"},
		{"another scheme", func(c *Chain) { c.Scheme = "pedersen-bls-chained" }, "is not supported"},
		{"key not hex", func(c *Chain) { c.PublicKey = "xyz" }, "public_key"},
	}
	for _, tc := range tests {
		c := Quicknet()
		tc.alter(&c)
		if _, err := NewVerifier(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewVerifier(quicknet with %s) = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestRoundTimes checks the round ↔ time arithmetic on quicknet.
func TestRoundTimes(t *testing.T) {
	c := Quicknet()
	genesis := time.Unix(1692803367, 0).UTC()
	tests := []struct {
		round uint64
		time  time.Time
	}{
		{1, genesis},
		{2, genesis.Add(3 * time.Second)},
		{1000, time.Unix(1692806364, 0).UTC()},
		{32398885, time.Unix(1790000019, 0).UTC()},
	}
	for _, tc := range tests {
		if got := c.RoundTime(tc.round); !got.Equal(tc.time) {
			t.Errorf("RoundTime(%d) = %s, want %s", tc.round, got, tc.time)
		}
		if got := c.RoundAt(tc.time); got != tc.round {
			t.Errorf("RoundAt(%s) = %d, want %d", tc.time, got, tc.round)
		}
		if got := c.RoundAt(tc.time.Add(2999 * time.Millisecond)); got != tc.round {
			t.Errorf("RoundAt(%s + 2.999 s) = %d, want %d", tc.time, got, tc.round)
		}
	}
	if got := c.RoundAt(genesis.Add(-time.Second)); got != 0 {
		t.Errorf("RoundAt(before genesis) = %d, want 0", got)
	}
	// An announcement at round 1000's very second may not name round 1000
	// (already public) nor 1001 when it must wait a minute: 1001 + 20.
	at := time.Unix(1692806364, 0)
	if got := c.FirstRoundAfter(at, 0); got != 1001 {
		t.Errorf("FirstRoundAfter(round 1000's time, 0) = %d, want 1001", got)
	}
	if got := c.FirstRoundAfter(at, time.Minute); got != 1021 {
		t.Errorf("FirstRoundAfter(round 1000's time, 1 min) = %d, want 1021", got)
	}
	if r := c.FirstRoundAfter(at, 0); !c.RoundTime(r).After(at) {
		t.Errorf("FirstRoundAfter(t) = %d published at %s, not after %s", r, c.RoundTime(r), at)
	}
}
