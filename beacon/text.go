package beacon

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Template is the syntax of a public result read by a person, fixed in the
// announcement before the result exists. It is written as fields separated
// by single spaces, each "digits:N", a group of exactly N decimal digits;
// for example a lottery of six two-digit numbers and a bonus number is
// "digits:2 digits:2 digits:2 digits:2 digits:2 digits:2 digits:2", and a
// five-digit result "digits:5".
//
// A result is entered as the person reads it; Normalize folds full-width
// digits to ASCII, takes the digit groups separated by spaces, commas, plus
// signs, hyphens or the Chinese enumeration comma, and accepts it only when
// the groups match the fields exactly. The accepted value is the groups
// joined by single spaces: one spelling per result, so nobody can choose
// among spellings of the same result to steer the seed.
type Template struct {
	fields []int // digits per field
	text   string
}

// maxDigits bounds a field: a result longer than this is not read aloud.
const maxDigits = 64

// ParseTemplate reads a template written as described at Template.
func ParseTemplate(s string) (Template, error) {
	if strings.TrimSpace(s) == "" {
		return Template{}, fmt.Errorf("template %q: empty; want fields such as \"digits:5\"", s)
	}
	t := Template{text: s}
	for i, f := range strings.Split(s, " ") {
		n, ok := strings.CutPrefix(f, "digits:")
		d, err := strconv.Atoi(n)
		if !ok || err != nil || d < 1 || d > maxDigits || strconv.Itoa(d) != n {
			return Template{}, fmt.Errorf("template %q: field %d %q: want digits:N with N from 1 to %d, fields separated by single spaces", s, i+1, f, maxDigits)
		}
		t.fields = append(t.fields, d)
	}
	return t, nil
}

// String returns the template as written.
func (t Template) String() string { return t.text }

// separator reports whether r may separate digit groups in an entered value.
func separator(r rune) bool {
	return unicode.IsSpace(r) || r == ',' || r == '+' || r == '-' || r == '、' || r == '､' || r == '，'
}

// Normalize returns the one accepted spelling of value, or an error naming
// where it does not fit the template.
func (t Template) Normalize(value string) (string, error) {
	folded := width.Narrow.String(value)
	for i, r := range folded {
		if !separator(r) && (r < '0' || r > '9') {
			return "", fmt.Errorf("value %q: character %q at byte %d is neither a digit nor a separator (template %q)", value, r, i, t.text)
		}
	}
	groups := strings.FieldsFunc(folded, separator)
	if len(groups) != len(t.fields) {
		return "", fmt.Errorf("value %q: %d groups of digits, the template %q has %d", value, len(groups), t.text, len(t.fields))
	}
	for i, g := range groups {
		if len(g) != t.fields[i] {
			return "", fmt.Errorf("value %q: group %d %q has %d digits, the template %q wants %d", value, i+1, g, len(g), t.text, t.fields[i])
		}
	}
	return strings.Join(groups, " "), nil
}
