// Package prometheus holds spotcheck's Prometheus rules, spotcheck.rules.yml,
// with their promtool unit tests, spotcheck.rules.test.yml, and the Go tests
// that run promtool on them and check their conventions. It has no code:
// Prometheus loads the YAML files.
package prometheus
