package httpapi

import (
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/i18n"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestWriteICSOwnerAndCoInspectors: an inspector's feed is named after the
// inspector and lists as co-inspectors the task's other inspectors (with
// their names where known), never the owner; a task the owner does alone
// has no co-inspectors line; an admin's feed (no owner) lists them all.
func TestWriteICSOwnerAndCoInspectors(t *testing.T) {
	task := func(id int64, inspectors ...string) taskView {
		return taskView{TaskDetail: storage.TaskDetail{Task: sampling.Task{ID: id, CreditCode: "91320500MA00000001", Enterprise: "E",
			County: "C", Inspectors: inspectors, Due: "2026-12-01"}, PlanID: 7}, State: sampling.TaskAssigned, CategoryName: "K",
			Quantity: quantity{Test: 2, Backup: 1}}
	}
	views := []taskView{task(1, "I001", "I002", "I003"), task(2, "I001")}
	names := map[string]string{"I001": "Alice", "I002": "Bob"}
	lines := func(o icsOptions) []string {
		var b strings.Builder
		writeICS(&b, views, o)
		unfolded := strings.ReplaceAll(b.String(), "\r\n ", "")
		var out []string
		for _, l := range strings.Split(unfolded, "\r\n") {
			if strings.HasPrefix(l, "X-WR-CALNAME:") || strings.HasPrefix(l, "DESCRIPTION:Task") {
				out = append(out, l)
			}
		}
		return out
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	desc := func(id int, co string) string {
		d := `DESCRIPTION:Task ` + string(rune('0'+id)) + `\, plan 7\nEnterprise: E (credit code 91320500MA00000001)\nCounty: C\nCategory: K\; quantity: 2 to test\, 1 backup\nDue: 2026-12-01\nStatus: ` +
			i18n.State(i18n.EN, sampling.TaskAssigned)
		if co != "" {
			d += `\nCo-inspectors: ` + co
		}
		return d
	}
	for _, tc := range []struct {
		owner string
		want  []string
	}{
		{"I001", []string{"X-WR-CALNAME:spotcheck inspection tasks I001", desc(1, `I002 Bob\, I003`), desc(2, "")}},
		{"", []string{"X-WR-CALNAME:spotcheck inspection tasks", desc(1, `I001 Alice\, I002 Bob\, I003`), desc(2, "I001 Alice")}},
	} {
		got := lines(icsOptions{Owner: tc.owner, Names: names, Now: at, Zone: time.UTC, Lang: i18n.EN})
		if !slices.Equal(got, tc.want) {
			t.Errorf("feed of %q:\n got %q\nwant %q", tc.owner, got, tc.want)
		}
	}
}

// TestICSLineFolding: a content line of exactly 75 octets is not folded,
// one of 76 is (75, then a space and the rest); a fold never splits a
// UTF-8 character but moves back to its start, and a continuation holds 74
// octets after its space.
func TestICSLineFolding(t *testing.T) {
	han := strings.Repeat("中", 30) // 90 octets
	for _, tc := range []struct{ in, want string }{
		{strings.Repeat("a", 75), strings.Repeat("a", 75) + "\r\n"},
		{strings.Repeat("a", 76), strings.Repeat("a", 75) + "\r\n a\r\n"},
		{strings.Repeat("a", 75+74+1), strings.Repeat("a", 75) + "\r\n " + strings.Repeat("a", 74) + "\r\n a\r\n"},
		// Octet 75 is inside the 25th 中 (octets 73 to 75): the fold comes
		// before it.
		{"X" + han, "X" + strings.Repeat("中", 24) + "\r\n " + strings.Repeat("中", 6) + "\r\n"},
	} {
		var b strings.Builder
		(&icsWriter{w: &b}).line(tc.in)
		if b.String() != tc.want {
			t.Errorf("line(%d octets) = %q, want %q", len(tc.in), b.String(), tc.want)
		}
	}
}
