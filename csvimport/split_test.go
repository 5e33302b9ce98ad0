package csvimport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readEither reads an enterprise registry with Rows, splitting the lines
// without quotes itself or, csvOnly, reading every line with encoding/csv,
// and returns what it yields and the problems, as text.
func readEither(data []byte, encoding string, csvOnly bool) string {
	opts := Options{Encoding: encoding, Industries: map[string][]string{"textiles": {"garments"}}}
	rs, err := ReadEnterprises("split.csv", bytes.NewReader(data), opts)
	if err != nil {
		return "open: " + err.Error()
	}
	rs.csvOnly = csvOnly
	var b strings.Builder
	for line, u := range rs.All() {
		fmt.Fprintf(&b, "%d: %q\n", line, u)
	}
	if err := rs.Err(); err != nil {
		b.WriteString("error: " + err.Error())
	}
	return b.String()
}

// splitCases are files whose lines end and break in every way, with the
// quoted cells that only encoding/csv reads among the others.
var splitCases = []string{
	"credit_code,name,county,industry,category\n91320500000000001W,a,b,textiles,garments\n",
	"credit_code,name,county,industry,category\r\n91320500000000001W,a,b,textiles,garments\r\n\r\n\n91320500000000001W,a,b,textiles,garments",
	"credit_code,name,county,industry,category\n91320500000000001W,a,b,textiles,garments\r",
	"credit_code,name,county,industry,category\n91320500000000001W,a,b\r,textiles,garments\r\r\n\r",
	"credit_code,name,county,industry,category\n91320500000000001W,\"a\nb\",b,textiles,garments\n91320500000000001X,a,b,textiles,garments\n",
	"credit_code,name,county,industry,category\n\n91320500000000001W,a\"b,b,textiles,garments\n",
	"credit_code,name,county,industry,category\n91320500000000001W,a,b,textiles,garments\n9,\"a\n\nb,b,textiles,garments\n",
	"credit_code,name,county,industry,category\n,,,,\n  ,\t, , ,\n91320500000000001W,a,b,textiles\n91320500000000001W,a,b,textiles,garments,x\n",
	"\n\ncredit_code,name,county,industry,category\n\n91320500000000001W,苏州\xff,b,textiles,garments\n91320500000000001W,a,b,textiles,garments\n",
	"\"credit_code\",name,county,industry,category\n91320500000000001W,a,b,textiles,garments\n\"9\",\"a\",b,textiles,garments",
	"credit_code,name,county,industry,category\n91320500000000001W," + strings.Repeat("纺", 30000) + ",b,textiles,garments\n" +
		"91320500000000001W," + strings.Repeat("x", 70000) + "\",b,textiles,garments\n",
}

// TestSplitAsCSV checks that the lines split without encoding/csv read as
// encoding/csv reads them: the same rows on the same lines, the same
// problems.
func TestSplitAsCSV(t *testing.T) {
	for i, data := range splitCases {
		for _, encoding := range []string{"", "gb18030"} {
			got, want := readEither([]byte(data), encoding, false), readEither([]byte(data), encoding, true)
			if got != want {
				t.Errorf("case %d, encoding %q: split\n%.2000s\nencoding/csv\n%.2000s", i, encoding, got, want)
			}
		}
	}
}

// FuzzSplitAsCSV is TestSplitAsCSV of any file.
func FuzzSplitAsCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "")
	}
	for _, data := range splitCases {
		f.Add([]byte(data), "")
	}
	f.Fuzz(func(t *testing.T, data []byte, encoding string) {
		got, want := readEither(data, encoding, false), readEither(data, encoding, true)
		if got != want {
			t.Errorf("split\n%.2000s\nencoding/csv\n%.2000s", got, want)
		}
	})
}
