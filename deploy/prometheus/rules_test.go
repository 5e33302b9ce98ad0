package prometheus

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	rulesFile = "spotcheck.rules.yml"
	testsFile = "spotcheck.rules.test.yml"
	runbook   = "../../docs/alerts.md"
)

// promtool returns the path of promtool. Outside CI it skips the test when
// promtool is missing; in CI (CI set) it fails, as CI must run it.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is not installed: CI must check the rules (.ci/run installs Debian's prometheus package)")
		}
		t.Skip("promtool not found: install it (Debian: apt-get install prometheus) to check the rules")
	}
	return path
}

// TestPromtool runs promtool check rules and promtool test rules.
func TestPromtool(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{{"check", "rules", rulesFile}, {"test", "rules", testsFile}} {
		out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// unitTests is the part of a promtool test file that the tests read.
type unitTests struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func alerts(t *testing.T) []Rule {
	t.Helper()
	f, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Alerts()) == 0 {
		t.Fatalf("%s has no alerts", rulesFile)
	}
	return f.Alerts()
}

// TestAlertConventions: every alert has a severity, a one-line summary, a
// description and a runbook link to its own section of docs/alerts.md.
func TestAlertConventions(t *testing.T) {
	doc, err := os.ReadFile(runbook)
	if err != nil {
		t.Fatal(err)
	}
	headings := regexp.MustCompile(`(?m)^## (\w+)$`).FindAllStringSubmatch(string(doc), -1)
	var sections []string
	for _, h := range headings {
		sections = append(sections, h[1])
	}
	for _, a := range alerts(t) {
		if s := a.Labels["severity"]; s != "critical" && s != "warning" {
			t.Errorf("%s: severity %q, want critical or warning", a.Alert, s)
		}
		if s := a.Annotations["summary"]; s == "" || strings.Contains(s, "\n") {
			t.Errorf("%s: summary %q, want one line", a.Alert, s)
		}
		if !strings.Contains(a.Annotations["description"], "{{") {
			t.Errorf("%s: description %q states no values", a.Alert, a.Annotations["description"])
		}
		// Absolute from the spotcheck_runbooks external label, relative
		// when it is not set (docs/monitoring.md).
		if want := runbookURL(a.Alert); a.Annotations["runbook_url"] != want {
			t.Errorf("%s: runbook_url %q, want %q", a.Alert, a.Annotations["runbook_url"], want)
		}
		if !slices.Contains(sections, a.Alert) {
			t.Errorf("%s: docs/alerts.md has no section \"## %s\"", a.Alert, a.Alert)
		}
	}
}

// runbookURL is the runbook_url annotation of alert: the external label
// spotcheck_runbooks, else docs/alerts.md, then the alert's section.
func runbookURL(alert string) string {
	return "{{ with $externalLabels.spotcheck_runbooks }}{{ . }}{{ else }}docs/alerts.md{{ end }}#" + strings.ToLower(alert)
}

// TestEveryAlertTested: the promtool tests show every alert firing, staying
// silent, and resolving (silent after firing in the same test), and every
// pass-rate alert silent on the small samples.
func TestEveryAlertTested(t *testing.T) {
	var ut unitTests
	readYAML(t, testsFile, &ut)
	type seen struct{ fires, silent, resolves, smallSample bool }
	got := map[string]*seen{}
	for _, a := range alerts(t) {
		got[a.Alert] = &seen{}
	}
	for _, test := range ut.Tests {
		fired := map[string]bool{}
		for _, c := range test.AlertRuleTest {
			s := got[c.Alertname]
			if s == nil {
				t.Errorf("test %q checks %s, which %s does not define", test.Name, c.Alertname, rulesFile)
				continue
			}
			if len(c.ExpAlerts) > 0 {
				s.fires, fired[c.Alertname] = true, true
				continue
			}
			s.silent = true
			s.resolves = s.resolves || fired[c.Alertname]
			s.smallSample = s.smallSample || strings.Contains(test.Name, "small samples")
		}
	}
	for name, s := range got {
		if !s.fires || !s.silent || !s.resolves {
			t.Errorf("%s: tested firing %v, silent %v, resolving %v; want all three", name, s.fires, s.silent, s.resolves)
		}
		if strings.Contains(name, "PassRate") || strings.Contains(name, "Unstable") {
			if !s.smallSample {
				t.Errorf("%s: no test shows it silent on small samples", name)
			}
		}
	}
}
