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

// ReadEnterprises reads the header of an enterprise registry file
// (credit_code,name,county,industry,category[,risk]; risk defaults to B) and
// returns its rows to read one by one, each checked on its own: a valid
// credit code (with its check character), the required cells, the risk
// class, and the industry, category and county against the configuration.
func ReadEnterprises(name string, r io.Reader, opts Options) (*Rows[sampling.Unit], error) {
	return open(name, r, opts, enterpriseColumns, enterprise(opts))
}

// enterprise converts and checks one row of the registry.
func enterprise(opts Options) func(*row) sampling.Unit {
	return func(row *row) sampling.Unit {
		u := sampling.Unit{
			CreditCode: row.creditCode("credit_code"),
			Enterprise: row.required("name"),
			County:     row.required("county"),
			Industry:   row.required("industry"),
			Category:   row.required("category"),
			Risk:       row.risk("risk"),
		}
		row.checkCounty("county", u.County, opts.Counties)
		if opts.Industries != nil && u.Industry != "" && !row.isBad("industry") {
			cats, ok := opts.Industries[u.Industry]
			switch {
			case !ok:
				row.errorf("industry", "%q is not an industry of the configuration (known: %s)", u.Industry, strings.Join(slices.Sorted(maps.Keys(opts.Industries)), ", "))
			case u.Category != "" && !slices.Contains(cats, u.Category):
				row.errorf("category", "%q is not a category of industry %q (known: %s)", u.Category, u.Industry, strings.Join(cats, ", "))
			}
		}
		return u
	}
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
