package csvimport

import (
	"io"
	"maps"
	"slices"
	"strings"

	"spotcheck/sampling"
)

var enterpriseColumns = schema{
	required: []string{"credit_code", "name", "county", "industry", "category"},
	optional: []string{"risk"},
}

// Enterprises parses the enterprise registry, one sampling unit per row:
// credit_code,name,county,industry,category[,risk]. Risk defaults to B. A
// (credit code, category) may appear once, and an enterprise has one name
// and county throughout the file.
func Enterprises(name string, r io.Reader, opts Options) (*Sheet[sampling.Unit], error) {
	type firm struct {
		line         int
		name, county string
	}
	firms := make(map[string]firm) // credit code -> first row naming it
	units := make(map[string]int)  // unit key -> line
	return parse(name, r, opts, enterpriseColumns, func(row *row) sampling.Unit {
		u := sampling.Unit{
			CreditCode: row.creditCode("credit_code"),
			Enterprise: row.required("name"),
			County:     row.required("county"),
			Industry:   row.required("industry"),
			Category:   row.required("category"),
			Risk:       row.risk("risk"),
		}
		row.checkCounty("county", u.County, opts.Counties)
		if opts.Industries != nil && u.Industry != "" && !row.badCell["industry"] {
			cats, ok := opts.Industries[u.Industry]
			switch {
			case !ok:
				row.errorf("industry", "%q is not an industry of the configuration (known: %s)", u.Industry, strings.Join(slices.Sorted(maps.Keys(opts.Industries)), ", "))
			case u.Category != "" && !slices.Contains(cats, u.Category):
				row.errorf("category", "%q is not a category of industry %q (known: %s)", u.Category, u.Industry, strings.Join(cats, ", "))
			}
		}
		// Only rows without bad cells are compared with other rows, so one
		// typo gives one error.
		if row.bad {
			return u
		}
		if line, ok := units[u.Key()]; ok {
			row.errorf("category", "credit code %s with category %s also on line %d", u.CreditCode, u.Category, line)
		} else {
			units[u.Key()] = row.line
		}
		f, ok := firms[u.CreditCode]
		if !ok {
			firms[u.CreditCode] = firm{row.line, u.Enterprise, u.County}
			return u
		}
		if u.Enterprise != f.name {
			row.errorf("name", "%q, but line %d names credit code %s %q", u.Enterprise, f.line, u.CreditCode, f.name)
		}
		if u.County != f.county {
			row.errorf("county", "%q, but line %d puts credit code %s in %q", u.County, f.line, u.CreditCode, f.county)
		}
		return u
	})
}

// creditCode returns the cell as an upper-case Unified Social Credit Code,
// or "" when it is not one.
func (r *row) creditCode(column string) string {
	code := strings.ToUpper(r.required(column))
	if code == "" {
		return ""
	}
	if err := sampling.ValidateCreditCode(code); err != nil {
		r.errorf(column, "%v", err)
		return ""
	}
	return code
}

// risk returns the credit-risk class A–D, B when the cell is empty.
func (r *row) risk(column string) string {
	switch v := strings.ToUpper(r.cell(column)); v {
	case "":
		return "B"
	case "A", "B", "C", "D":
		return v
	}
	r.errorf(column, "%q is not A, B, C or D", r.cell(column))
	return ""
}
