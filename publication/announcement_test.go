package publication

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"spotcheck/beacon"
	"spotcheck/sampling"
)

// Real quicknet rounds (see beacon/testdata): round 1000 is published at
// 2023-08-23 15:32:44 UTC, round 1001 three seconds later.
var (
	round1000 = beacon.Value{Kind: beacon.KindDrand, Chain: beacon.Quicknet().Hash, Round: 1000,
		Signature:  "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39",
		Randomness: "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd"}
	round1001Sig = "b33bf3667cbd5a82de3a24b4e0e9fe5513cc1a0e840368c6e31f5fcfa79bea03f73896b25883abf2853d10337fb8fa41"
)

const lottoTemplate = "digits:2 digits:2 digits:2 digits:2 digits:2 digits:2 digits:2"

// frozenInput is a small draw input, frozen.
func frozenInput(t *testing.T, nominal time.Time) sampling.Frozen {
	t.Helper()
	rec := *stratifiedRecord(t).Draw.Record
	rec.NominalTime, rec.Seed = nominal, sampling.Seed{}
	fz, err := sampling.Freeze(rec)
	if err != nil {
		t.Fatalf("Freeze = %v", err)
	}
	return fz
}

// announced is a beacon plan's published material: the chain up to its
// announcement, the frozen input, the key.
type announced struct {
	chain []Announcement
	fz    sampling.Frozen
	key   ed25519.PrivateKey
}

// announce makes a chain of three announcements, the last for fz with src,
// made at at.
func announce(t *testing.T, key ed25519.PrivateKey, fz sampling.Frozen, src Source, at time.Time) announced {
	t.Helper()
	var chain []Announcement
	var prev *Announcement
	for i := range 3 {
		f := fz
		if i < 2 { // two earlier announcements of other fires
			f.Record.Schedule = fmt.Sprintf("earlier-%d", i)
		}
		a := NewAnnouncement(prev, f, src, at.Add(time.Duration(i-2)*time.Second))
		SignAnnouncement(&a, key)
		chain = append(chain, a)
		prev = &chain[len(chain)-1]
	}
	return announced{chain: chain, fz: fz, key: key}
}

// drawAnnounced draws the plan of the last announcement with value and
// returns its signed public record.
func drawAnnounced(t *testing.T, an announced, v beacon.Value) Disclosure {
	t.Helper()
	a := an.chain[len(an.chain)-1]
	seed, err := a.BeaconValue(v)
	if err != nil {
		t.Fatalf("BeaconValue = %v", err)
	}
	return recordOf(t, an, v, seed, an.fz.Record)
}

// recordOf draws from input with seed and builds the record as the service
// publishes it, signed with the authority's key.
func recordOf(t *testing.T, an announced, v beacon.Value, seed []byte, input sampling.DrawRecord) Disclosure {
	t.Helper()
	input.Seed = sampling.Seed{Bytes: seed}
	plan, err := sampling.DrawPlan(input)
	if err != nil {
		t.Fatalf("DrawPlan = %v", err)
	}
	var tasks []Task
	for i, pt := range plan.Tasks {
		tasks = append(tasks, Task{ID: int64(200 + i), CreditCode: pt.CreditCode, Enterprise: pt.Enterprise, County: pt.County,
			Category: pt.Category, Tier: pt.Tier, InclusionProbability: pt.InclusionProbability, Inspectors: pt.Inspectors,
			Due: pt.Due, Outcome: OutcomeNotInspected})
	}
	p := Plan{ID: 30, Schedule: plan.Schedule, Industry: plan.Industry, Kind: plan.Kind, NominalTime: plan.NominalTime,
		Status: sampling.PlanClosed, ClosedAt: plan.NominalTime.Add(30 * 24 * time.Hour), ClosedReason: "due date passed",
		Algorithm: plan.Algorithm, Seed: plan.Seed, FrameDigest: plan.FrameDigest, Commitment: plan.Commitment, FrameSize: plan.FrameSize}
	r := Build(p, tasks, sampling.SRSInputs{})
	r.WithRecord(*plan.Record)
	r.Announcements = append([]Announcement(nil), an.chain...)
	r.Beacon = &v
	r.LabelSeed()
	if err := Sign(&r, an.key); err != nil {
		t.Fatal(err)
	}
	return r
}

func drandSource(round uint64) Source {
	q := beacon.Quicknet()
	return Source{Kind: beacon.KindDrand, Chain: q.Hash, ChainName: q.Name, Round: round, RoundTime: q.RoundTime(round)}
}

// beforeRound1000 is a time 40 minutes before quicknet round 1000.
var beforeRound1000 = beacon.Quicknet().RoundTime(1000).Add(-40 * time.Minute)

// TestVerifyBeaconPlan verifies a beacon plan offline from its record
// alone, then each tampering the issue lists, re-signed by the authority
// itself: each fails with a named reason.
func TestVerifyBeaconPlan(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	pub := key.Public().(ed25519.PublicKey)
	fz := frozenInput(t, beforeRound1000.Add(-time.Minute))
	an := announce(t, key, fz, drandSource(1000), beforeRound1000)
	good := drawAnnounced(t, an, round1000)
	if good.SeedOrigin != SeedBeacon {
		t.Fatalf("seed_origin = %q, want beacon", good.SeedOrigin)
	}
	if diffs := Verify(roundTrip(t, good), Options{PublicKey: pub}); len(diffs) != 0 {
		t.Fatalf("Verify(untouched beacon plan) = %q, want no difference", diffs)
	}

	// A chain whose announcement was made after round 1000 was public.
	late := announce(t, key, fz, drandSource(1000), beacon.Quicknet().RoundTime(1000).Add(time.Minute))
	lateRec := drawAnnounced2(t, late, round1000)

	// A text beacon plan.
	txt := announce(t, key, fz, Source{Kind: beacon.KindText, Description: "双色球 2023097 期开奖号码", Template: lottoTemplate,
		ExpectedAt: beforeRound1000.Add(time.Hour)}, beforeRound1000)
	txtRec := drawAnnounced(t, txt, beacon.Value{Kind: beacon.KindText, Text: "03 07 12 19 25 31 09"})
	if diffs := Verify(roundTrip(t, txtRec), Options{PublicKey: pub}); len(diffs) != 0 {
		t.Fatalf("Verify(untouched text beacon plan) = %q, want no difference", diffs)
	}

	tests := []struct {
		name  string
		base  Disclosure
		alter func(r *Disclosure)
		want  string
	}{
		{"an altered task", good, func(r *Disclosure) { r.Tasks[0].CreditCode = "91320500MA1X00009A" }, "not in the re-run draw"},
		{"an altered frame", good, func(r *Disclosure) { r.Draw.Record.Population[0].Risk = "D" }, "changed after the announcement"},
		{"a unit added to the frame", good, func(r *Disclosure) {
			u := r.Draw.Record.Population[0]
			u.CreditCode = "91320500MA1X00009A"
			r.Draw.Record.Population = append(r.Draw.Record.Population, u)
		}, "changed after the announcement"},
		{"an altered announcement", good, func(r *Disclosure) { r.Announcements[2].Beacon.Round = 1001 }, "announcements[2] (sequence 3): signature: does not match"},
		{"an earlier announcement altered and re-signed", good, func(r *Disclosure) {
			r.Announcements[1].FrameSize++
			SignAnnouncement(&r.Announcements[1], key)
		}, "is not the hash"},
		{"a withheld announcement", good, func(r *Disclosure) {
			r.Announcements = append(r.Announcements[:1:1], r.Announcements[2])
		}, "announcements 2 to 2 are withheld (a gap in the chain)"},
		{"the first announcement withheld", good, func(r *Disclosure) { r.Announcements = r.Announcements[1:] }, "must start at sequence 1"},
		{"a beacon round from before the announcement", lateRec, func(r *Disclosure) {}, "not after the announcement"},
		{"a forged drand signature", good, func(r *Disclosure) { r.Beacon.Signature = round1001Sig }, "signature does not verify"},
		{"another round's value", good, func(r *Disclosure) { r.Beacon.Round = 1001 }, "not the round asked for"},
		{"a text value that does not fit its template", txtRec, func(r *Disclosure) { r.Beacon.Text = "3 7 12 19 25 31 9" }, "has 1 digits"},
		{"a text value in another spelling", txtRec, func(r *Disclosure) { r.Beacon.Text = "03,07,12,19,25,31+09" }, "not in its one accepted spelling"},
		{"a re-signed record with a changed seed source", good, func(r *Disclosure) { r.Draw.Record.Seed.Source = "双色球 2023097: 03 07 12 19 25 31 09" }, "seed.source"},
		{"a changed seed", good, func(r *Disclosure) {
			r.Plan.Seed = strings.Repeat("ab", 32)
			r.Draw.Record.Seed.Bytes = make([]byte, 32)
			copy(r.Draw.Record.Seed.Bytes, []byte(strings.Repeat("\xab", 32)))
		}, "is not the seed"},
		{"a beacon plan labelled system", good, func(r *Disclosure) { r.SeedOrigin, r.SeedNote = SeedSystem, SeedNotes[SeedSystem] }, "seed_origin"},
		{"a beacon plan without its chain", good, func(r *Disclosure) { r.Announcements = nil }, "needs both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := roundTrip(t, tc.base)
			tc.alter(&r)
			if err := Sign(&r, key); err != nil { // the authority re-signs
				t.Fatal(err)
			}
			diffs := Verify(roundTrip(t, r), Options{PublicKey: pub})
			found := false
			for _, d := range diffs {
				found = found || strings.Contains(d, tc.want)
			}
			if !found {
				t.Errorf("Verify(record with %s) = %q, want a difference naming %q", tc.name, diffs, tc.want)
			}
		})
	}
}

// drawAnnounced2 draws the plan of an announcement whose beacon check
// fails (a round from before it), as a dishonest authority would: with the
// seed the derivation gives, skipping the check.
func drawAnnounced2(t *testing.T, an announced, v beacon.Value) Disclosure {
	t.Helper()
	a := an.chain[len(an.chain)-1]
	if _, err := a.BeaconValue(v); err == nil {
		t.Fatalf("BeaconValue(round from before the announcement) = nil error")
	}
	return recordOf(t, an, v, beacon.DeriveSeed(a.Hash(), v), an.fz.Record)
}

// TestNoSteering is the 100 alternatives: after an announcement,
// other seeds, other spellings of a text result, other drand rounds and
// edits of the frame each give a plan (signed by the authority itself)
// that does not verify.
func TestNoSteering(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	pub := key.Public().(ed25519.PublicKey)
	fz := frozenInput(t, beforeRound1000.Add(-time.Minute))
	an := announce(t, key, fz, drandSource(1000), beforeRound1000)
	txt := announce(t, key, fz, Source{Kind: beacon.KindText, Description: "福彩3D 2023226", Template: "digits:3",
		ExpectedAt: beforeRound1000.Add(time.Hour)}, beforeRound1000)
	a, ta := an.chain[2], txt.chain[2]
	good := drawAnnounced(t, an, round1000)
	goodTxt := drawAnnounced(t, txt, beacon.Value{Kind: beacon.KindText, Text: "517"})
	plans := map[string]bool{good.Plan.Commitment: true}

	check := func(name string, r Disclosure) {
		t.Helper()
		if diffs := Verify(roundTrip(t, r), Options{PublicKey: pub}); len(diffs) == 0 {
			t.Errorf("alternative %s: its plan verifies", name)
		}
	}
	n := 0
	// 25 other seeds, chosen freely.
	for i := range 25 {
		seed := make([]byte, 32)
		seed[0], seed[1] = byte(i), 0x5e
		check(fmt.Sprintf("seed %x", seed[:2]), recordOf(t, an, round1000, seed, an.fz.Record))
		n++
	}
	// 25 other spellings of the text result "517": each is either refused
	// or is the same spelling, which gives the same plan.
	spellings := []string{"517 ", " 517", "５１７", "5 17", "51 7", "5-1-7", "0517", "517.", "五一七", "517\n", "5,17", "5１7",
		"517+", "+517", "51", "5170", "517 0", "Ⅴ17", "5l7", "S17", "517\t", "、517", "517、", "517 517", "05 17"}
	for _, sp := range spellings {
		norm, err := mustTemplate(t, "digits:3").Normalize(sp)
		switch {
		case err != nil:
			// Refused at entry; a record carrying it anyway fails offline.
			check(fmt.Sprintf("spelling %q", sp), recordOf(t, txt, beacon.Value{Kind: beacon.KindText, Text: sp},
				beacon.DeriveSeed(ta.Hash(), beacon.Value{Kind: beacon.KindText, Text: sp}), txt.fz.Record))
		case norm != "517":
			t.Errorf("spelling %q normalizes to %q, want 517 or a refusal", sp, norm)
		default:
			if got := drawAnnounced(t, txt, beacon.Value{Kind: beacon.KindText, Text: norm}); got.Plan.Commitment != goodTxt.Plan.Commitment {
				t.Errorf("spelling %q gives plan %s, want the one plan %s", sp, got.Plan.Commitment, goodTxt.Plan.Commitment)
			}
		}
		n++
	}
	// 25 other drand rounds: real rounds the announcement did not name,
	// and round 1000 with its signature altered.
	others := []beacon.Value{
		{Kind: beacon.KindDrand, Chain: round1000.Chain, Round: 1001, Signature: round1001Sig, Randomness: sha(round1001Sig)},
	}
	for i := range 24 {
		sig := []byte(round1000.Signature)
		sig[10+i] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", sig[10+i])+1)%16]
		others = append(others, beacon.Value{Kind: beacon.KindDrand, Chain: round1000.Chain, Round: 1000, Signature: string(sig), Randomness: sha(string(sig))})
	}
	for _, v := range others {
		check(fmt.Sprintf("round %d sig %s…", v.Round, v.Signature[:16]), recordOf(t, an, v, beacon.DeriveSeed(a.Hash(), v), an.fz.Record))
		n++
	}
	// 25 edits of the frame after the announcement, drawn with the right
	// seed.
	seed, _ := a.BeaconValue(round1000)
	for i := range 25 {
		input := an.fz.Record
		input.Population = append([]sampling.Unit(nil), input.Population...)
		u := &input.Population[i%len(input.Population)]
		switch i % 3 {
		case 0:
			u.Risk = string("ABCD"[(strings.Index("ABCD", u.Risk)+1)%4])
		case 1:
			u.County = "相城区"
		default:
			input.Population = append(input.Population[:i%len(input.Population)], input.Population[i%len(input.Population)+1:]...)
		}
		r := recordOf(t, an, round1000, seed, input)
		plans[r.Plan.Commitment] = true
		check(fmt.Sprintf("frame edit %d", i), r)
		n++
	}
	if n != 100 {
		t.Errorf("tried %d alternatives, want 100", n)
	}
}

func mustTemplate(t *testing.T, s string) beacon.Template {
	t.Helper()
	tpl, err := beacon.ParseTemplate(s)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func sha(sigHex string) string {
	b, _ := hex.DecodeString(sigHex)
	return hex.EncodeToString(sha256Sum(b))
}

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
