package csvimport

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importer runs one importer and counts the rows and lines of its sheet.
type importer func(name string, r io.Reader, opts Options) (rows, lines int, err error)

// fuzzImporter fuzzes one importer, seeded with the testdata files that
// match glob and the seeds under testdata/fuzz: it never panics, every
// problem of a rejected file is a *RowError naming the file and a line,
// and an accepted file has a line for every row.
func fuzzImporter(f *testing.F, glob string, parse importer) {
	files, _ := filepath.Glob(filepath.Join("testdata", glob))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "")
	}
	industries := map[string][]string{"textiles": {"garments", "childrens-garments"}, "food": {"rice"}}
	f.Fuzz(func(t *testing.T, data []byte, encoding string) {
		for _, opts := range []Options{{Encoding: encoding}, {Encoding: encoding, Industries: industries}} {
			rows, lines, err := parse("fuzz.csv", bytes.NewReader(data), opts)
			if err == nil {
				if rows != lines {
					t.Fatalf("sheet has %d rows and %d lines", rows, lines)
				}
				continue
			}
			problems := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				problems = j.Unwrap()
			}
			for _, p := range problems {
				if !strings.HasPrefix(p.Error(), "fuzz.csv:") {
					t.Fatalf("problem %q does not start with the file's name", p)
				}
				var re *RowError
				if !strings.Contains(p.Error(), "unknown encoding") && (!errors.As(p, &re) || re.Line < 1) {
					t.Fatalf("problem %q (%T) does not name its line", p, p)
				}
			}
		}
	})
}

func FuzzEnterprises(f *testing.F) {
	fuzzImporter(f, "enterprises*.csv", func(name string, r io.Reader, opts Options) (int, int, error) {
		s, err := Enterprises(name, r, opts)
		if err != nil {
			return 0, 0, err
		}
		return len(s.Rows), len(s.Lines), nil
	})
}

func FuzzInspectors(f *testing.F) {
	fuzzImporter(f, "inspectors*.csv", func(name string, r io.Reader, opts Options) (int, int, error) {
		s, err := Inspectors(name, r, opts)
		if err != nil {
			return 0, 0, err
		}
		return len(s.Rows), len(s.Lines), nil
	})
}

func FuzzResults(f *testing.F) {
	fuzzImporter(f, "results*.csv", func(name string, r io.Reader, opts Options) (int, int, error) {
		s, err := Results(name, r, opts)
		if err != nil {
			return 0, 0, err
		}
		return len(s.Rows), len(s.Lines), nil
	})
}
