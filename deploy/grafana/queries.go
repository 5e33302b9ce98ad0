package grafana

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Query is a PromQL expression of the dashboard and where it is.
type Query struct {
	// Where names the panel (its title) or the variable.
	Where string
	// Expr is the PromQL expression; for a variable, the series selector
	// inside its label_values() or the expression of its query_result().
	Expr string
	// RefID is a panel target's refId, empty for a variable.
	RefID string
}

var (
	labelValues = regexp.MustCompile(`^label_values\((.*), *\w+\)$`)
	queryResult = regexp.MustCompile(`^query_result\((.*)\)$`)
)

// Queries returns every PromQL expression of dashboard JSON: each panel
// target's expr, the selector of each label_values() variable and the
// expression of each query_result() one.
func Queries(dashboardJSON []byte) ([]Query, error) {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr  string `json:"expr"`
				RefID string `json:"refId"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(dashboardJSON, &d); err != nil {
		return nil, fmt.Errorf("read dashboard: %w", err)
	}
	var out []Query
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, Query{Where: "panel " + p.Title, Expr: t.Expr, RefID: t.RefID})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(strings.TrimSpace(v.Definition))
		if m == nil {
			m = queryResult.FindStringSubmatch(strings.TrimSpace(v.Definition))
		}
		if m == nil {
			return nil, fmt.Errorf("variable %s: query %q is not label_values(selector, label) or query_result(expr)", v.Name, v.Definition)
		}
		out = append(out, Query{Where: "variable " + v.Name, Expr: m[1]})
	}
	return out, nil
}
