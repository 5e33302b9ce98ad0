package sampling

import (
	"fmt"
	"testing"
)

// aheadUnits returns n units over three categories and ten counties, risk
// classes A–D, in key order.
func aheadUnits(n int) *Units {
	cats := []string{"childrens-garments", "garments", "knitwear"}
	units := &Units{}
	for i := range n {
		units.Append(Unit{CreditCode: fmt.Sprintf("91320500MA%08d", i/3), Category: cats[i%3], Industry: "textiles",
			County: fmt.Sprintf("county-%02d", (i/3)%10), Risk: string("ABBBCCD"[i%7])})
	}
	return units
}

// readAhead returns a copy of units appended as the storage reads a
// population, Ahead fed every feed units, for industry.
func readAhead(units *Units, feed int, industry string) *Units {
	out := &Units{}
	a := NewAhead(out, industry)
	for i := range units.Len() {
		u := units.Unit(i)
		out.AppendBytes([]byte(u.CreditCode), []byte(u.Category), []byte(u.County), []byte(u.Risk), u.Industry)
		if out.Len()%feed == 0 {
			a.Feed()
		}
	}
	a.Finish(true)
	return out
}

// TestAhead: the digest computed while the units are read is Digest's own,
// bit for bit (fed in pieces of every size, the last a part); it is not
// used for another industry or other units, nor after a failed read.
func TestAhead(t *testing.T) {
	const n = 3000
	units := aheadUnits(n)
	want := units.Digest("textiles")
	for _, feed := range []int{1, 7, 1024, n, 2 * n} {
		read := readAhead(units, feed, "textiles")
		if got := read.digestFor("textiles"); got != want {
			t.Fatalf("fed every %d: digest computed ahead = %q, Digest = %q", feed, got, want)
		}
		if got := read.Digest("textiles"); got != want {
			t.Fatalf("fed every %d: Digest = %q, want %q", feed, got, want)
		}
	}
	read := readAhead(units, 100, "textiles")
	if read.digestFor("food") != "" {
		t.Error("a digest computed ahead for one industry is used for another")
	}
	if read.Digest("food") == want {
		t.Error("the digest of another industry equals this one's")
	}
	extra := Unit{CreditCode: "91320500MA99999999", Category: "garments", County: "county-00", Risk: "A"}
	read.Append(extra)
	if read.digestFor("textiles") != "" {
		t.Error("a digest computed ahead is used for units added after it")
	}
	units.Append(extra)
	if got, want := read.Digest("textiles"), units.Digest("textiles"); got != want {
		t.Errorf("digest after a unit was added = %q, want %q", got, want)
	}
	failed := &Units{}
	a := NewAhead(failed, "textiles")
	failed.Append(extra)
	a.Finish(false)
	if failed.digestFor("textiles") != "" {
		t.Error("a digest computed ahead is kept after a failed read")
	}
}

// TestAheadOutOfOrder: units read out of key order get no digest computed
// ahead, and Digest then sorts them as it does without Ahead; units read
// twice in a row (in order, as Digest takes them) get Digest's digest.
func TestAheadOutOfOrder(t *testing.T) {
	units := aheadUnits(600)
	shuffled := &Units{}
	for i := range units.Len() {
		shuffled.Append(units.Unit((i * 7) % units.Len()))
	}
	doubled := &Units{}
	for i := range units.Len() {
		doubled.Append(units.Unit(i))
		if i == 300 {
			doubled.Append(units.Unit(i))
		}
	}
	read := readAhead(shuffled, 64, "textiles")
	if read.digestFor("textiles") != "" {
		t.Error("a digest was computed ahead of units out of order")
	}
	for name, u := range map[string]*Units{"shuffled": shuffled, "doubled": doubled} {
		if got, want := readAhead(u, 64, "textiles").Digest("textiles"), u.Digest("textiles"); got != want {
			t.Errorf("%s: digest = %q, without Ahead %q", name, got, want)
		}
	}
	if got, want := readAhead(doubled, 64, "textiles").digestFor("textiles"), doubled.Digest("textiles"); got != want {
		t.Errorf("doubled: digest computed ahead = %q, want %q", got, want)
	}
}
