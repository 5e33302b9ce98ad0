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
	// inside its label_values().
	Expr string
}

var labelValues = regexp.MustCompile(`^label_values\((.*), *\w+\)$`)

// Queries returns every PromQL expression of dashboard JSON: each panel
// target's expr, and the selector of each label_values() variable.
func Queries(dashboardJSON []byte) ([]Query, error) {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
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
			out = append(out, Query{Where: "panel " + p.Title, Expr: t.Expr})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(strings.TrimSpace(v.Definition))
		if m == nil {
			return nil, fmt.Errorf("variable %s: query %q is not label_values(selector, label)", v.Name, v.Definition)
		}
		out = append(out, Query{Where: "variable " + v.Name, Expr: m[1]})
	}
	return out, nil
}
