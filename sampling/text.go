package sampling

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

// Text fields are checked here, and only here, for every way in: the CSV
// importers, the HTTP API and the store call CheckText or CheckID, so that
// a value refused by one is refused by all, with the same reason. The
// limits are documented in the README ("Limits of text fields").

// textRule is what a text field may hold: at most max characters (runes),
// and line breaks and tabs only when multiline.
type textRule struct {
	max       int
	multiline bool
}

// ruleOf returns the rule of a field, by the name it has in CSV headers
// and JSON bodies.
func ruleOf(field string) textRule {
	switch field {
	case "credit_code":
		return textRule{max: 18}
	case "id", "inspector", "task_id", "industry", "category", "risk", "outcome", "tested_on", "sampled_on", "retest", "reason":
		return textRule{max: MaxIDLength}
	case "name", "county", "batch_no", "report_no":
		return textRule{max: 100}
	case "seals", "industries", "recuse":
		return textRule{max: 2000}
	case "failed_items", "note":
		return textRule{max: 500, multiline: true}
	}
	return textRule{max: 200}
}

// MaxIDLength bounds ids (inspectors' and others), in characters.
const MaxIDLength = 64

// CheckText checks a text value of field: valid UTF-8, no NUL or other
// control characters (line breaks and tabs only in the multi-line fields
// failed_items and note) and at most the field's limit of characters. It
// returns nil when the value is acceptable.
func CheckText(field, value string) *FieldError {
	// One pass over the bytes, decoding only what is not printable ASCII:
	// an import checks every cell of millions of rows, most of them ASCII.
	i, n := 0, 0 // byte, characters
	// Eight bytes at a time while they are all printable ASCII (' ' to
	// '~'): none with its top bit set, none below ' ' and none equal to
	// DEL, tested at once with the bit tricks of "Bit Twiddling Hacks"
	// (haszero, hasless).
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(value); i += 8 {
		w := uint64(value[i]) | uint64(value[i+1])<<8 | uint64(value[i+2])<<16 | uint64(value[i+3])<<24 |
			uint64(value[i+4])<<32 | uint64(value[i+5])<<40 | uint64(value[i+6])<<48 | uint64(value[i+7])<<56
		del := w ^ 0x7f*ones
		if (w|(w-' '*ones)&^w|(del-ones)&^del)&highs != 0 {
			break
		}
		n += 8
	}
	for ; i < len(value); n++ {
		c := value[i]
		if ' ' <= c && c < 0x7f {
			i++
			continue
		}
		// Three bytes of a character of the BMP other than a control or a
		// surrogate (as Chinese text is): no need to decode it.
		if (c == 0xe1 || 0xe3 <= c && c <= 0xec || c == 0xee || c == 0xef) && i+2 < len(value) &&
			value[i+1]&0xc0 == 0x80 && value[i+2]&0xc0 == 0x80 {
			i += 3
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(value[i:])
		}
		switch {
		case r == utf8.RuneError && size <= 1:
			return new(fieldError(field, "err_utf8", i))
		case r == 0:
			return new(fieldError(field, "err_nul", i))
		case (r == '\n' || r == '\r' || r == '\t') && ruleOf(field).multiline:
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return new(fieldError(field, "err_control", r, i))
		}
		i += size
	}
	if limit := ruleOf(field).max; n > limit {
		return new(fieldError(field, "err_text_long", n, limit))
	}
	return nil
}

// idShape is what an inspector's id may look like: it appears in URLs,
// tokens, calendar feeds and CSV exports.
var idShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// CheckID checks an id of field: the text rules, then letters, digits,
// '_', '.' and '-', starting with a letter or digit (no spaces).
func CheckID(field, id string) *FieldError {
	if e := CheckText(field, id); e != nil {
		return e
	}
	if !idShape.MatchString(id) {
		return new(fieldError(field, "err_id_shape", id))
	}
	return nil
}

// CheckTexts checks fields, a list of field name and value pairs, with
// CheckText and returns every problem.
func CheckTexts(fields ...string) []FieldError {
	var errs []FieldError
	for i := 0; i+1 < len(fields); i += 2 {
		if e := CheckText(fields[i], fields[i+1]); e != nil {
			errs = append(errs, *e)
		}
	}
	return errs
}

// Check validates a unit's text fields, listing every problem.
func (u Unit) Check() []FieldError {
	return CheckTexts("credit_code", u.CreditCode, "name", u.Enterprise, "county", u.County,
		"industry", u.Industry, "category", u.Category, "risk", u.Risk)
}

// Check validates an inspector's id and text fields, listing every
// problem.
func (in Inspector) Check() []FieldError {
	var errs []FieldError
	if e := CheckID("id", in.ID); e != nil {
		errs = append(errs, *e)
	}
	errs = append(errs, CheckTexts("name", in.Name, "county", in.County)...)
	for _, ind := range in.Industries {
		if e := CheckText("industries", ind); e != nil {
			errs = append(errs, *e)
			break
		}
	}
	for _, code := range in.Recusals {
		if e := CheckText("recuse", code); e != nil {
			errs = append(errs, *e)
			break
		}
	}
	return errs
}
