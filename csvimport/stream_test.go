package csvimport

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"spotcheck/sampling"
)

// registry writes n enterprise rows after the header, the first ascii of
// them with an ASCII name, the rest with a Chinese one.
func registry(t *testing.T, n, ascii int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("credit_code,name,county,industry,category\n")
	for i := range n {
		first := fmt.Sprintf("91320500MA%07d", i)
		c, err := sampling.CreditCodeCheck(first)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprint("enterprise ", i)
		if i >= ascii {
			name = fmt.Sprint("苏州纺织", i)
		}
		fmt.Fprintf(&b, "%s%c,%s,姑苏区,textiles,garments\n", first, c, name)
	}
	return b.String()
}

// TestStreamDetectsLate reads files whose first non-ASCII byte comes after
// the first detectWindow bytes: the encoding is decided there, whatever
// came before.
func TestStreamDetectsLate(t *testing.T) {
	text := strings.Replace(registry(t, 3000, 2990), "姑苏区", "county", 2990)
	if strings.IndexFunc(text, func(r rune) bool { return r > 127 }) < detectWindow {
		t.Fatal("the test file has a non-ASCII character inside the detection window")
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, input := range map[string]string{"utf-8": text, "gb18030": gb} {
		s, err := Enterprises("late.csv", strings.NewReader(input), Options{})
		if err != nil {
			t.Fatalf("%s: Enterprises error: %v", name, err)
		}
		if got, want := s.Rows[2999].Enterprise, "苏州纺织2999"; got != want || len(s.Rows) != 3000 || s.Lines[2999] != 3001 {
			t.Errorf("%s: %d rows, last %q on line %d; want 3000, %q on line 3001", name, len(s.Rows), got, s.Lines[2999], want)
		}
	}
}

// TestStreamPlacesLateProblems checks that problems far into a file name
// their line, and a syntax error its character position in the line.
func TestStreamPlacesLateProblems(t *testing.T) {
	text := registry(t, 5000, 0)
	lines := strings.SplitAfter(text, "\n")
	bad := slices.Clone(lines)
	bad[4000] = strings.Replace(bad[4000], "苏州", "苏\xff州", 1)
	_, err := Enterprises("bad.csv", strings.NewReader(strings.Join(bad, "")), Options{})
	checkErrors(t, "invalid UTF-8 on line 4001", err, []string{`bad.csv:4001: invalid UTF-8 (is the file GB18030?)`})

	quoted := slices.Clone(lines)
	quoted[4500] = strings.Replace(quoted[4500], "姑苏区", `姑苏"区`, 1)
	_, err = Enterprises("quote.csv", strings.NewReader(strings.Join(quoted, "")), Options{})
	col := len([]rune(strings.SplitN(quoted[4500], `"`, 2)[0])) + 1
	checkErrors(t, "bare quote on line 4501", err, []string{fmt.Sprintf(`quote.csv:4501:%d: bare " in non-quoted-field`, col)})
}

// TestStreamReadsLineByLine checks that encoding/csv gets one line per Read,
// so that it never reads ahead of the line it parses.
func TestStreamReadsLineByLine(t *testing.T) {
	text, check, err := decoder("x.csv", bytes.NewReader([]byte("a,b\n1,2\n\n3,4")), "")
	if err != nil {
		t.Fatal(err)
	}
	lr := newLineReader("x.csv", text, check)
	var got []string
	buf := make([]byte, 4096)
	for {
		n, err := lr.Read(buf)
		if n > 0 {
			got = append(got, string(buf[:n]))
		}
		if err != nil {
			break
		}
	}
	if want := []string{"a,b\n", "1,2\n", "\n", "3,4"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("reads = %q, want %q", got, want)
	}
}
