package sampling

import "fmt"

// creditCodeChars is the alphabet of GB 32100-2015: digits and the capital
// letters other than I, O, S, V and Z. A character's value is its index.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeValues is each character's value plus one, and 0 for a byte
// that is not in the alphabet: one lookup rather than a search of the
// alphabet, as an import checks a code on each of millions of rows.
var creditCodeValues = [256]uint8{
	'0': 1, '1': 2, '2': 3, '3': 4, '4': 5, '5': 6, '6': 7, '7': 8, '8': 9, '9': 10,
	'A': 11, 'B': 12, 'C': 13, 'D': 14, 'E': 15, 'F': 16, 'G': 17, 'H': 18, 'J': 19, 'K': 20,
	'L': 21, 'M': 22, 'N': 23, 'P': 24, 'Q': 25, 'R': 26, 'T': 27, 'U': 28, 'W': 29, 'X': 30, 'Y': 31,
}

// creditCodeWeights are 3^i mod 31 for the 17 leading positions.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeCheck returns the check character for the first 17 characters
// of a Unified Social Credit Code.
func CreditCodeCheck(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("need 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := range 17 {
		v := int(creditCodeValues[first17[i]]) - 1
		if v < 0 {
			return 0, fmt.Errorf("character %d %q is not allowed (digits and capitals except I, O, S, V, Z)", i+1, first17[i])
		}
		sum += v * creditCodeWeights[i]
	}
	return creditCodeChars[(31-sum%31)%31], nil
}

// ValidateCreditCode reports why code is not a valid 18-character Unified
// Social Credit Code (GB 32100-2015), or nil when it is.
func ValidateCreditCode(code string) error {
	if len(code) != 18 {
		return fmt.Errorf("credit code %q has %d characters, want 18", code, len(code))
	}
	want, err := CreditCodeCheck(code[:17])
	if err != nil {
		return fmt.Errorf("credit code %q: %w", code, err)
	}
	if code[17] != want {
		return fmt.Errorf("credit code %q: check character is %q, want %q", code, code[17], want)
	}
	return nil
}
