// Package docs holds spotcheck's operator documentation. It embeds the
// alerts' runbook, alerts.md, which serve publishes at /runbooks/alerts so
// that the alerts' runbook links resolve wherever spotcheck runs.
package docs

import (
	_ "embed"
	"slices"
)

//go:embed alerts.md
var alerts []byte

// Alerts returns alerts.md as shipped.
func Alerts() []byte { return slices.Clone(alerts) }
