package csvimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"

	"spotcheck/storage/storagetest"
)

// benchRegistry returns a registry of n units (storagetest.WriteRegistryCSV,
// as the import's benchmark writes it) and the options of its
// configuration.
func benchRegistry(b *testing.B, n int) ([]byte, Options) {
	b.Helper()
	var buf bytes.Buffer
	if err := storagetest.WriteRegistryCSV(&buf, n); err != nil {
		b.Fatal(err)
	}
	opts := Options{Industries: map[string][]string{"textiles": storagetest.RegistryCategories}}
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
