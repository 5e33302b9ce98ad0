package csvimport

import (
	"io"
	"maps"
	"slices"
	"strings"

	"spotcheck/sampling"
)

var inspectorColumns = schema{
	required: []string{"id", "name", "county", "industries"},
	optional: []string{"recuse"},
}

// ReadInspectors reads the header of an inspectors file
// (id,name,county,industries[,recuse]; industries and recuse are lists
// split by ";") and returns its rows to read one by one, each checked on its own: the id's shape, at
// least one industry, the industries and county against the configuration,
// and each recusal a valid credit code.
func ReadInspectors(name string, r io.Reader, opts Options) (*Rows[sampling.Inspector], error) {
	return open(name, r, opts, inspectorColumns, inspector(opts))
}

// inspector converts and checks one row of the inspectors.
func inspector(opts Options) func(*row) sampling.Inspector {
	return func(row *row) sampling.Inspector {
		in := sampling.Inspector{
			ID:         row.required("id"),
			Name:       row.required("name"),
			County:     row.required("county"),
			Industries: list(row.cell("industries")),
		}
		if e := sampling.CheckID("id", in.ID); in.ID != "" && e != nil {
			row.errorf("id", "%s", e.Reason)
		}
		row.checkCounty("county", in.County, opts.Counties)
		if len(in.Industries) == 0 {
			row.errorf("industries", "must list at least one industry")
		}
		for _, ind := range in.Industries {
			if _, ok := opts.Industries[ind]; opts.Industries != nil && !ok {
				row.errorf("industries", "%q is not an industry of the configuration (known: %s)", ind, strings.Join(slices.Sorted(maps.Keys(opts.Industries)), ", "))
			}
		}
		for _, code := range list(row.cell("recuse")) {
			code = strings.ToUpper(code)
			if err := sampling.ValidateCreditCode(code); err != nil {
				row.errorf("recuse", "%v", err)
				continue
			}
			in.Recusals = append(in.Recusals, code)
		}
		return in
	}
}

// list splits a ";"-separated cell, dropping empty entries.
func list(cell string) []string {
	var items []string
	for item := range strings.SplitSeq(cell, ";") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
