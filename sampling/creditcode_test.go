package sampling

import (
	"strings"
	"testing"
)

// refCheck computes the GB 32100-2015 check character independently of
// CreditCodeCheck: weights are 3^i mod 31, each character's value is its
// place in the alphabet without I, O, S, V and Z, and the check is the value
// that brings the weighted sum to a multiple of 31.
func refCheck(t *testing.T, first17 string) byte {
	t.Helper()
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	if len(alphabet) != 31 {
		t.Fatalf("alphabet has %d characters, want 31", len(alphabet))
	}
	sum, w := 0, 1
	for i := range 17 {
		v := strings.IndexByte(alphabet, first17[i])
		if v < 0 {
			t.Fatalf("refCheck(%q): character %d not in the alphabet", first17, i+1)
		}
		sum += v * w
		w = w * 3 % 31
	}
	return alphabet[(31-sum%31)%31]
}

// validCodes are real-world-format Unified Social Credit Codes.
// 91350100M000100Y43 is the example printed in GB 32100-2015 and quoted in
// most descriptions of the standard; the others have the layout of codes of
// companies (registration authority 9, type 1, region code, organization
// code) and their check characters were computed with refCheck above.
var validCodes = []string{
	"91350100M000100Y43",
	"91440300708461136T",
	"91110108551385082Q",
	"91310000MA1FL1MMXL",
	"91320500000000001W",
	"914403001922038216",
}

func TestCreditCodeCheck(t *testing.T) {
	for _, code := range validCodes {
		t.Run(code, func(t *testing.T) {
			if want := refCheck(t, code[:17]); want != code[17] {
				t.Fatalf("refCheck(%q) = %q, but the code ends in %q: fix the table", code[:17], want, code[17])
			}
			got, err := CreditCodeCheck(code[:17])
			if err != nil || got != code[17] {
				t.Errorf("CreditCodeCheck(%q) = %q, %v, want %q, nil", code[:17], got, err, code[17])
			}
			if err := ValidateCreditCode(code); err != nil {
				t.Errorf("ValidateCreditCode(%q) = %v, want nil", code, err)
			}
		})
	}
}

// TestCreditCodeCheckAgreesWithReference compares CreditCodeCheck with
// refCheck over many generated bodies, including ones whose check is 0 (the
// weighted sum already a multiple of 31) and the letters at both ends of the
// alphabet.
func TestCreditCodeCheckAgreesWithReference(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sawZero := false
	for i := range 3000 {
		b := []byte("91320500MA0000000")
		x := i * 7919
		for j := 9; j < 17; j++ {
			b[j] = alphabet[x%31]
			x = x/31 + i
		}
		body := string(b)
		want := refCheck(t, body)
		sawZero = sawZero || want == '0'
		if got, err := CreditCodeCheck(body); err != nil || got != want {
			t.Fatalf("CreditCodeCheck(%q) = %q, %v, want %q, nil", body, got, err, want)
		}
		if err := ValidateCreditCode(body + string(want)); err != nil {
			t.Fatalf("ValidateCreditCode(%q) = %v, want nil", body+string(want), err)
		}
	}
	if !sawZero {
		t.Error("no generated body had check character 0; widen the generator")
	}
}

func TestValidateCreditCodeErrors(t *testing.T) {
	const good = "91350100M000100Y43"
	tests := []struct {
		name, code, want string
	}{
		{"empty", "", "has 0 characters, want 18"},
		{"17 characters", good[:17], "has 17 characters, want 18"},
		{"19 characters", good + "3", "has 19 characters, want 18"},
		{"letter I", "91350100I000100Y43", `character 9 'I' is not allowed`},
		{"letter O", "91350100O000100Y43", `character 9 'O' is not allowed`},
		{"letter S", "9135010S0000100Y43", `character 8 'S' is not allowed`},
		{"letter V", "V1350100M000100Y43", `character 1 'V' is not allowed`},
		{"letter Z", "91350100M000100Z43", `character 16 'Z' is not allowed`},
		{"lower case", "91350100m000100Y43", `character 9 'm' is not allowed`},
		{"space", "91350100 000100Y43", `character 9 ' ' is not allowed`},
		{"wrong check", "91350100M000100Y44", `check character is '4', want '3'`},
		{"forbidden check", "91350100M000100Y4I", `check character is 'I', want '3'`},
		// 18 bytes, the first three of them one full-width digit.
		{"full-width digit", "９1350100M000100Y", "character 1 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCreditCode(tt.code)
			if err == nil {
				t.Fatalf("ValidateCreditCode(%q) = nil, want an error", tt.code)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.code) {
				t.Errorf("ValidateCreditCode(%q) = %v, want an error quoting the code and containing %q", tt.code, err, tt.want)
			}
		})
	}
	if _, err := CreditCodeCheck("1234"); err == nil {
		t.Error(`CreditCodeCheck("1234") = nil error, want one`)
	}
}

// TestCreditCodeDetectsSubstitutions checks that changing any one character
// of a valid code makes it invalid: every weight is non-zero modulo the
// prime 31, so the standard catches all single substitutions.
func TestCreditCodeDetectsSubstitutions(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for _, code := range validCodes {
		for i := range 18 {
			for _, c := range []byte(alphabet) {
				if c == code[i] {
					continue
				}
				b := []byte(code)
				b[i] = c
				if err := ValidateCreditCode(string(b)); err == nil {
					t.Errorf("ValidateCreditCode(%q) = nil (changed from %q at %d), want an error", b, code, i+1)
				}
			}
		}
	}
}

// TestCreditCodeValues checks the table of character values against the
// alphabet, for every byte.
func TestCreditCodeValues(t *testing.T) {
	for c := range 256 {
		if got, want := int(creditCodeValues[c])-1, strings.IndexByte(creditCodeChars, byte(c)); got != want {
			t.Errorf("creditCodeValues[%q] - 1 = %d, want %d", byte(c), got, want)
		}
	}
}
