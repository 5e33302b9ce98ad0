package csvimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"

	"spotcheck/sampling"
)

// benchRegistry returns a registry of n units laid out as the import
// benchmark's (cmd/spotcheck writeRegistry): three textile categories to
// an enterprise with a Chinese name, in ten counties, with a risk class;
// and the options of its configuration.
func benchRegistry(b *testing.B, n int) ([]byte, Options) {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("credit_code,name,county,industry,category,risk\n")
	cats := []string{"garments", "childrens-garments", "knitwear"}
	for i := range n {
		e := i / 3
		first := fmt.Sprintf("91320500%09d", e)
		c, err := sampling.CreditCodeCheck(first)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&buf, "%s%c,苏州纺织企业%d,county-%02d,textiles,%s,%c\n", first, c, e, e%10, cats[i%3], "ABBBCCD"[e%7])
	}
	opts := Options{Industries: map[string][]string{"textiles": cats}}
	for i := range 10 {
		opts.Counties = append(opts.Counties, fmt.Sprintf("county-%02d", i))
	}
	return buf.Bytes(), opts
}

// BenchmarkReadEnterprises reads a registry of 100,000 units (10,000 under
// -short) as `spotcheck import enterprises` does before the store writes
// it: ReadEnterprises' rows, each checked again by the store's own rule
// (sampling.Unit.Check). The baseline, csv, is encoding/csv reading the
// same bytes with no checks at all; ns/unit is the cost of one row.
func BenchmarkReadEnterprises(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	data, opts := benchRegistry(b, n)
	b.Run("csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.ReuseRecord = true
			rows := 0
			for {
				_, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
			if rows != n+1 {
				b.Fatalf("read %d records, want %d", rows, n+1)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/unit")
	})
	b.Run("import", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			rs, err := ReadEnterprises("registry.csv", bytes.NewReader(data), opts)
			if err != nil {
				b.Fatal(err)
			}
			units := 0
			for _, u := range rs.All() {
				if errs := u.Check(); len(errs) > 0 {
					b.Fatalf("Unit.Check(%+v) = %v", u, errs)
				}
				units++
			}
			if err := rs.Err(); err != nil || units != n {
				b.Fatalf("read %d units, error %v; want %d, none", units, err, n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/unit")
	})
}
