package prometheus

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// rulesYAML is spotcheck.rules.yml, embedded so that tests elsewhere (the
// end-to-end test, the check that rules name only exported metrics) load
// the very file that ships.
//
//go:embed spotcheck.rules.yml
var rulesYAML []byte

// RulesYAML returns spotcheck.rules.yml as shipped.
func RulesYAML() []byte { return slices.Clone(rulesYAML) }

// File is a Prometheus rule file.
type File struct {
	Groups []Group `yaml:"groups"`
}

// Group is a group of rules evaluated together, in order.
type Group struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval"`
	Rules    []Rule `yaml:"rules"`
}

// Rule is a recording rule (Record set) or an alerting rule (Alert set).
type Rule struct {
	Record        string            `yaml:"record"`
	Alert         string            `yaml:"alert"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

// Rules parses the shipped rule file, rejecting keys this File does not
// know.
func Rules() (File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(rulesYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("parse spotcheck.rules.yml: %w", err)
	}
	return f, nil
}

// Alerts returns the alerting rules of every group.
func (f File) Alerts() []Rule {
	var out []Rule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out = append(out, r)
			}
		}
	}
	return out
}
