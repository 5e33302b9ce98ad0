package publication

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"spotcheck/beacon"
	"spotcheck/sampling"
)

// The tests in this file pin the edges of the announcement chain and of
// the key fingerprint that the record tests reach only through a whole
// verification: each fails when its boundary moves by one.

// TestKeyFingerprintGroupsOfFour: a key's fingerprint is the SHA-256 of
// its bytes in hex, in sixteen groups of four digits with one space
// between groups and none at either end.
func TestKeyFingerprintGroupsOfFour(t *testing.T) {
	pub := ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)) // 32 zero bytes
	// sha256 of 32 zero bytes: 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925
	const want = "6668 7aad f862 bd77 6c8f c18b 8e9f 8e20 0897 1485 6ee2 33b3 902a 591d 0d5f 2925"
	if got := KeyFingerprint(pub); got != want {
		t.Errorf("KeyFingerprint(32 zero bytes) = %q, want %q", got, want)
	}
}

// chainOf makes a chain of n announcements from the first, each
// following the one before, signed by key.
func chainOf(t *testing.T, key ed25519.PrivateKey, n int) []Announcement {
	t.Helper()
	fz := frozenInput(t, beforeRound1000.Add(-time.Minute))
	var chain []Announcement
	var prev *Announcement
	for i := range n {
		a := NewAnnouncement(prev, fz, drandSource(1000), beforeRound1000.Add(time.Duration(i)*time.Second))
		SignAnnouncement(&a, key)
		chain = append(chain, a)
		prev = &chain[len(chain)-1]
	}
	return chain
}

// TestNewAnnouncementSequenceFollowsPrevious: the first announcement is
// sequence 1 with no previous hash; each next one is the previous
// sequence plus one and names the previous one's hash.
func TestNewAnnouncementSequenceFollowsPrevious(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	chain := chainOf(t, key, 3)
	for i, a := range chain {
		wantPrev := ""
		if i > 0 {
			wantPrev = chain[i-1].Hash()
		}
		if a.Sequence != int64(i+1) || a.Previous != wantPrev {
			t.Errorf("announcement %d: sequence %d, previous %q; want %d, %q", i, a.Sequence, a.Previous, i+1, wantPrev)
		}
	}
	if diffs := VerifyChain(chain, key.Public().(ed25519.PublicKey)); len(diffs) != 0 {
		t.Errorf("VerifyChain(untouched chain) = %q, want none", diffs)
	}
}

// TestVerifyChainWithoutKeyUsesFirstKey: given no key, the chain is
// checked against the key of its first announcement: a later announcement
// signed by another key is named, though its own signature holds.
func TestVerifyChainWithoutKeyUsesFirstKey(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	chain := chainOf(t, key, 3)
	if diffs := VerifyChain(chain, nil); len(diffs) != 0 {
		t.Fatalf("VerifyChain(chain, no key) = %q, want none", diffs)
	}
	SignAnnouncement(&chain[2], other) // the last: no later one names its hash
	want := []string{"announcements[2] (sequence 3): signature: signed with key " + hex.EncodeToString(other.Public().(ed25519.PublicKey)) +
		", want " + hex.EncodeToString(key.Public().(ed25519.PublicKey))}
	if diffs := VerifyChain(chain, nil); !slices.Equal(diffs, want) {
		t.Errorf("VerifyChain(last signed by another key, no key) = %q, want %q", diffs, want)
	}
	// A first announcement whose key is not a hex Ed25519 key gives no key
	// to check the others against: only its own signature is named.
	bad := chainOf(t, key, 2)
	bad[0].Signature.PublicKey = "zz"
	if diffs := VerifyChain(bad, nil); !slices.Equal(diffs, []string{"announcements[0] (sequence 1): signature: public key is not a hex Ed25519 key"}) {
		t.Errorf("VerifyChain(first key not hex) = %q, want only its key named", diffs)
	}
	bad[0].Signature.PublicKey = hex.EncodeToString(make([]byte, ed25519.PublicKeySize-1))
	if diffs := VerifyChain(bad, nil); !slices.Equal(diffs, []string{"announcements[0] (sequence 1): signature: public key is not a hex Ed25519 key"}) {
		t.Errorf("VerifyChain(first key of 31 bytes) = %q, want only its key named", diffs)
	}
}

// TestVerifyChainGapNamesWithheldRange: a chain that jumps from sequence
// 2 to 5 names 3 to 4 as withheld; one that jumps by one names the single
// sequence; a chain whose first announcement names a previous hash, or
// is not sequence 1, is refused as starting late.
func TestVerifyChainGapNamesWithheldRange(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	pub := key.Public().(ed25519.PublicKey)
	chain := chainOf(t, key, 5)
	for _, tt := range []struct {
		name  string
		chain []Announcement
		want  []string
	}{
		{"2 then 5", []Announcement{chain[0], chain[1], chain[4]},
			[]string{"announcements[2] (sequence 5): follows sequence 2: announcements 3 to 4 are withheld (a gap in the chain)"}},
		{"1 then 3", []Announcement{chain[0], chain[2]},
			[]string{"announcements[1] (sequence 3): follows sequence 1: announcements 2 to 2 are withheld (a gap in the chain)"}},
		{"from 2", chain[1:3],
			[]string{"announcements[0] (sequence 2): the chain must start at sequence 1 with no previous hash; announcements before it are withheld"}},
		{"2 repeated", []Announcement{chain[0], chain[1], chain[1]},
			[]string{"announcements[2] (sequence 2): follows sequence 2: announcements 3 to 1 are withheld (a gap in the chain)"}},
	} {
		if diffs := VerifyChain(tt.chain, pub); !slices.Equal(diffs, tt.want) {
			t.Errorf("%s: VerifyChain = %q, want %q", tt.name, diffs, tt.want)
		}
	}
	// Sequence 1 naming a previous hash.
	first := chain[0]
	first.Previous = chain[4].Hash()
	SignAnnouncement(&first, key)
	want := []string{"announcements[0] (sequence 1): the chain must start at sequence 1 with no previous hash; announcements before it are withheld"}
	if diffs := VerifyChain([]Announcement{first}, pub); !slices.Equal(diffs, want) {
		t.Errorf("sequence 1 with a previous hash: VerifyChain = %q, want %q", diffs, want)
	}
	// Right sequence, wrong previous hash.
	second := chain[1]
	second.Previous = chain[2].Hash()
	SignAnnouncement(&second, key)
	want = []string{"announcements[1] (sequence 2): previous hash " + chain[2].Hash() + " is not the hash " + chain[0].Hash() + " of sequence 1: the chain is broken"}
	if diffs := VerifyChain([]Announcement{chain[0], second}, pub); !slices.Equal(diffs, want) {
		t.Errorf("a broken link: VerifyChain = %q, want %q", diffs, want)
	}
	if diffs := VerifyChain(nil, pub); !slices.Equal(diffs, []string{"announcements: none"}) {
		t.Errorf("VerifyChain(none) = %q, want announcements: none", diffs)
	}
}

// TestBulletinCountsEachOutcome: the bulletin counts each outcome once,
// overall and per category (categories in key order); a category with no
// inspected batch has a pass rate of 0, and failed batches are numbered
// from 1 in task order.
func TestBulletinCountsEachOutcome(t *testing.T) {
	task := func(id int64, code, cat, outcome string) Task {
		return Task{ID: id, CreditCode: code, Enterprise: "企业" + code, County: "吴中区", Category: cat, CategoryName: "名" + cat, Tier: "general",
			Outcome: outcome, FailedItems: map[bool]string{true: "标识"}[outcome == OutcomeFail]}
	}
	tasks := []Task{
		task(6, "W", "c", OutcomeFail),
		task(1, "X", "a", OutcomePass),
		task(2, "X", "a", OutcomeFail),
		task(3, "Y", "a", OutcomePass),
		task(4, "Z", "b", OutcomeRefused),
		task(5, "Z", "b", OutcomeNotInspected),
	}
	rec := Build(Plan{ID: 17, Industry: "textiles"}, tasks, sampling.SRSInputs{})
	want := Bulletin{
		Title:       "textiles产品质量监督抽查结果（第 17 号抽查计划）",
		Enterprises: 4, Batches: 6, Inspected: 4, Passed: 2, Failed: 2, Refused: 1, NotInspected: 1, PassRate: 0.5,
		Categories: []CategoryLine{
			{Category: "a", Name: "名a", Tier: "general", Batches: 3, Inspected: 3, Failed: 1, PassRate: 2.0 / 3},
			{Category: "b", Name: "名b", Tier: "general", Batches: 2, Inspected: 0, Failed: 0, PassRate: 0},
			{Category: "c", Name: "名c", Tier: "general", Batches: 1, Inspected: 1, Failed: 1, PassRate: 0},
		},
		FailedBatches: []FailedBatch{
			{No: 1, TaskID: 2, Enterprise: "企业X", CreditCode: "X", County: "吴中区", CategoryName: "名a", FailedItems: "标识"},
			{No: 2, TaskID: 6, Enterprise: "企业W", CreditCode: "W", County: "吴中区", CategoryName: "名c", FailedItems: "标识"},
		},
	}
	if !reflect.DeepEqual(rec.Bulletin, want) {
		t.Errorf("bulletin =\n%+v\nwant\n%+v", rec.Bulletin, want)
	}
	if got := Summarize(Plan{ID: 3, Industry: "textiles", IndustryName: "纺织服装"}, nil); got.Title != "纺织服装产品质量监督抽查结果（第 3 号抽查计划）" || got.PassRate != 0 || got.Batches != 0 {
		t.Errorf("Summarize(no tasks) = %+v, want the industry's name in the title and a pass rate of 0", got)
	}
}

// TestLabelSeedEachOrigin: a record with announcements or a beacon value
// is a beacon plan; one whose draw input states a public source text is
// seeded by public text; any other by the system. The note is the fixed
// wording of the origin.
func TestLabelSeedEachOrigin(t *testing.T) {
	for _, tt := range []struct {
		name string
		rec  Disclosure
		want string
	}{
		{"announcements only", Disclosure{Announcements: []Announcement{{Sequence: 1}}}, SeedBeacon},
		{"beacon value only", Disclosure{Beacon: &beacon.Value{Kind: beacon.KindText, Text: "517"}}, SeedBeacon},
		{"announcements and a stated source", Disclosure{Announcements: []Announcement{{Sequence: 1}},
			Draw: Draw{Record: &sampling.DrawRecord{Seed: sampling.SeedFromText("x")}}}, SeedBeacon},
		{"a stated source", Disclosure{Draw: Draw{Record: &sampling.DrawRecord{Seed: sampling.SeedFromText("lottery 2026-123")}}}, SeedPublicText},
		{"a draw input without a source", Disclosure{Draw: Draw{Record: &sampling.DrawRecord{Seed: sampling.Seed{Bytes: make([]byte, 32)}}}}, SeedSystem},
		{"nothing", Disclosure{}, SeedSystem},
	} {
		r := tt.rec
		r.LabelSeed()
		if r.SeedOrigin != tt.want || r.SeedNote != SeedNotes[tt.want] || r.SeedNote == "" {
			t.Errorf("%s: LabelSeed gives %q (note %q), want %q with its note", tt.name, r.SeedOrigin, r.SeedNote, tt.want)
		}
	}
}

// TestVerifyChainSignatureFaults: each fault of an announcement's
// signature is named, one at a time, in the order they are checked.
func TestVerifyChainSignatureFaults(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	pub := key.Public().(ed25519.PublicKey)
	where := "announcements[0] (sequence 1): "
	for _, tt := range []struct {
		name  string
		alter func(a *Announcement)
		want  string
	}{
		{"none", func(a *Announcement) {}, ""},
		{"unsigned", func(a *Announcement) { a.Signature = nil }, "signature: not signed"},
		{"another algorithm", func(a *Announcement) { a.Signature.Algorithm = "rsa" }, `signature: algorithm "rsa", want ed25519`},
		{"a key that is not hex", func(a *Announcement) { a.Signature.PublicKey = "xyz" }, "signature: public key is not a hex Ed25519 key"},
		{"a key of 33 bytes", func(a *Announcement) { a.Signature.PublicKey += "00" }, "signature: public key is not a hex Ed25519 key"},
		{"another key", func(a *Announcement) { SignAnnouncement(a, other) },
			"signature: signed with key " + hex.EncodeToString(other.Public().(ed25519.PublicKey)) + ", want " + hex.EncodeToString(pub)},
		{"a value that is not hex", func(a *Announcement) { a.Signature.Value = "xyz" }, "signature: does not match: altered after signing"},
		{"an altered announcement", func(a *Announcement) { a.FrameSize++ }, "signature: does not match: altered after signing"},
	} {
		a := chainOf(t, key, 1)[0]
		tt.alter(&a)
		var want []string
		if tt.want != "" {
			want = []string{where + tt.want}
		}
		if diffs := VerifyChain([]Announcement{a}, pub); !slices.Equal(diffs, want) {
			t.Errorf("%s: VerifyChain = %q, want %q", tt.name, diffs, want)
		}
	}
}

// TestVerifyBeaconPlanWithoutKeyUsesRecordKey: verified with no key given,
// a beacon plan's announcements must be signed by the key that signed the
// record: a record re-signed by another key names each announcement.
func TestVerifyBeaconPlanWithoutKeyUsesRecordKey(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	fz := frozenInput(t, beforeRound1000.Add(-time.Minute))
	good := drawAnnounced(t, announce(t, key, fz, drandSource(1000), beforeRound1000), round1000)
	if diffs := Verify(roundTrip(t, good), Options{}); len(diffs) != 0 {
		t.Fatalf("Verify(beacon plan, no key) = %q, want none", diffs)
	}
	r := roundTrip(t, good)
	if err := Sign(&r, other); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 3 {
		want = append(want, fmt.Sprintf("announcements[%d] (sequence %d): signature: signed with key %s, want %s", i, i+1,
			hex.EncodeToString(key.Public().(ed25519.PublicKey)), hex.EncodeToString(other.Public().(ed25519.PublicKey))))
	}
	if diffs := Verify(roundTrip(t, r), Options{}); !slices.Equal(diffs, want) {
		t.Errorf("Verify(beacon plan re-signed by another key, no key) = %q, want %q", diffs, want)
	}
}

// TestVerifyEnterpriseNameAltered: an enterprise's name changed in a
// record (re-signed by a forger) is named as a difference with the re-run
// draw, which carries the frame's names.
func TestVerifyEnterpriseNameAltered(t *testing.T) {
	rec, _ := closedRecord(t)
	_, forger, _ := ed25519.GenerateKey(nil)
	r := roundTrip(t, rec)
	i := slices.IndexFunc(r.Tasks, func(t Task) bool { return t.Outcome != OutcomeFail }) // not in the failed list
	was := r.Tasks[i].Enterprise
	r.Tasks[i].Enterprise = "另一家企业"
	if err := Sign(&r, forger); err != nil {
		t.Fatal(err)
	}
	key := r.Tasks[i].CreditCode + "/" + r.Tasks[i].Category
	want := []string{fmt.Sprintf("tasks[%d] (task %d, %s): enterprise is %q, the re-run draw gives %q", i, r.Tasks[i].ID, key, "另一家企业", was)}
	if diffs := Verify(roundTrip(t, r), Options{}); !slices.Equal(diffs, want) {
		t.Errorf("Verify(an enterprise renamed) = %q, want %q", diffs, want)
	}
}

// TestVerifySignatureFaults: each fault of a record's signature is named
// as the first difference, one at a time, in the order they are checked.
func TestVerifySignatureFaults(t *testing.T) {
	rec, key := closedRecord(t)
	pub := key.Public().(ed25519.PublicKey)
	_, other, _ := ed25519.GenerateKey(nil)
	for _, tt := range []struct {
		name  string
		alter func(r *Disclosure)
		want  string
	}{
		{"unsigned", func(r *Disclosure) { r.Signature = nil }, "signature: the record is not signed"},
		{"another algorithm", func(r *Disclosure) { r.Signature.Algorithm = "rsa" }, `signature: algorithm "rsa", want ed25519`},
		{"a key that is not hex", func(r *Disclosure) { r.Signature.PublicKey = "xyz" }, "signature: public key is not a hex Ed25519 key"},
		{"a key of 31 bytes", func(r *Disclosure) { r.Signature.PublicKey = r.Signature.PublicKey[2:] }, "signature: public key is not a hex Ed25519 key"},
		{"another key", func(r *Disclosure) {
			if err := Sign(r, other); err != nil {
				t.Fatal(err)
			}
		}, "signature: signed with key " + hex.EncodeToString(other.Public().(ed25519.PublicKey)) + ", want " + hex.EncodeToString(pub)},
		{"a value that is not hex", func(r *Disclosure) { r.Signature.Value = "xyz" }, "signature: does not match the record: it was altered after signing"},
		{"an altered record", func(r *Disclosure) { r.Plan.ClosedReason = "done" }, "signature: does not match the record: it was altered after signing"},
	} {
		r := roundTrip(t, rec)
		tt.alter(&r)
		if diffs := Verify(roundTrip(t, r), Options{PublicKey: pub}); !slices.Equal(diffs, []string{tt.want}) {
			t.Errorf("%s: Verify = %q, want %q", tt.name, diffs, []string{tt.want})
		}
	}
}
