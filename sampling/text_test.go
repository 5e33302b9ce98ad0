package sampling

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		field, value string
		want         string // "" when acceptable
	}{
		{"name", "苏州市纺织品有限公司", ""},
		{"name", strings.Repeat("纺", 100), ""},
		{"name", strings.Repeat("纺", 101), "name: 101 characters, at most 100"},
		{"name", "R\x001", "name: NUL character at byte 1"},
		{"report_no", "R\xff1", "report_no: invalid UTF-8 at byte 1"},
		{"report_no", "R\uFFFD1", ""}, // a real U+FFFD is text
		{"report_no", "R\n1", "report_no: control character U+000A at byte 1"},
		{"name", "a\u2028b", "name: control character U+2028 at byte 1"},
		{"failed_items", "纤维含量\npH 值\t偏高", ""},
		{"failed_items", "pH\x7f", "failed_items: control character U+007F at byte 2"},
		{"note", strings.Repeat("x", 501), "note: 501 characters, at most 500"},
		{"credit_code", strings.Repeat("9", 19), "credit_code: 19 characters, at most 18"},
		{"something", strings.Repeat("x", 200), ""},
	} {
		got := ""
		if e := CheckText(tc.field, tc.value); e != nil {
			got = e.Error()
		}
		if got != tc.want {
			t.Errorf("CheckText(%q, %q) = %q, want %q", tc.field, tc.value, got, tc.want)
		}
	}
}

func TestCheckID(t *testing.T) {
	for _, tc := range []struct {
		id, want string
	}{
		{"I001", ""},
		{"insp-07.a_b", ""},
		{"I 01", `id: id "I 01": use letters, digits, '_', '.' and '-', starting with a letter or digit`},
		{"-x", `id: id "-x": use letters, digits, '_', '.' and '-', starting with a letter or digit`},
		{"张伟", `id: id "张伟": use letters, digits, '_', '.' and '-', starting with a letter or digit`},
		{"I\x0001", "id: NUL character at byte 1"},
		{strings.Repeat("I", 65), "id: 65 characters, at most 64"},
	} {
		got := ""
		if e := CheckID("id", tc.id); e != nil {
			got = e.Error()
		}
		if got != tc.want {
			t.Errorf("CheckID(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

// TestCheckTextsPairs: CheckTexts checks each name and value pair and
// reports each problem under its field; an unpaired last name is ignored.
func TestCheckTextsPairs(t *testing.T) {
	errs := CheckTexts("note", "fine", "title", "a\x00b", "other")
	if len(errs) != 1 || errs[0].Field != "title" || errs[0].Key != "err_nul" {
		t.Errorf("CheckTexts(note fine, title a\\x00b, other) = %+v, want one err_nul for title", errs)
	}
	if errs := CheckTexts("note", "fine"); len(errs) != 0 {
		t.Errorf("CheckTexts(note fine) = %+v, want none", errs)
	}
}

// checkTextByRunes is CheckText as it was first written, rune by rune:
// the reference that the byte-wise CheckText must agree with.
func checkTextByRunes(field, value string) *FieldError {
	rule := ruleOf(field)
	for i, r := range value {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(value[i:]); n <= 1 {
				return new(fieldError(field, "err_utf8", i))
			}
		case r == 0:
			return new(fieldError(field, "err_nul", i))
		case rule.multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return new(fieldError(field, "err_control", r, i))
		}
	}
	if n := utf8.RuneCountInString(value); n > rule.max {
		return new(fieldError(field, "err_text_long", n, rule.max))
	}
	return nil
}

// FuzzCheckText checks that CheckText finds the same problem as the
// rune-by-rune reference, for a single-line field and a multi-line one.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "苏州市纺织品有限公司", "R\x001", "R\xff1", "R\uFFFD1", "a\nb\tc\rd", "pH\x7f", "\u0085x",
		"a\u2028b", "\xe8\x8b", "\xed\xa0\x80", "\xe0\x80\x80", "纺\xe7\xba", "\ufffd\u1000\uffff", strings.Repeat("纺", 101), strings.Repeat("x", 501), "91320500MA1234567X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, field := range []string{"credit_code", "name", "note"} {
			got, want := CheckText(field, value), checkTextByRunes(field, value)
			if (got == nil) != (want == nil) || got != nil && (got.Error() != want.Error() || got.Key != want.Key) {
				t.Errorf("CheckText(%q, %q) = %v, want %v", field, value, got, want)
			}
		}
	})
}

// TestCheckTextEveryByte puts each byte value at each place of a text
// long enough for CheckText to test eight bytes at a time, and compares it
// with the reference.
func TestCheckTextEveryByte(t *testing.T) {
	for b := range 256 {
		for at := range 20 {
			value := []byte(strings.Repeat("a~ ", 7))
			value[at] = byte(b)
			for _, field := range []string{"credit_code", "name", "note"} {
				got, want := CheckText(field, string(value)), checkTextByRunes(field, string(value))
				if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
					t.Errorf("CheckText(%q, %q) = %v, want %v", field, value, got, want)
				}
			}
		}
	}
}
