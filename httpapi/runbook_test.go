package httpapi

import (
	"net/http"
	"strings"
	"testing"

	promrules "spotcheck/deploy/prometheus"
	"spotcheck/storage"
)

// TestRunbook: /runbooks/alerts serves docs/alerts.md as HTML with an
// anchor for every alert of the shipped rules, the fragment its
// runbook_url ends in, so that the links resolve there.
func TestRunbook(t *testing.T) {
	f := newFixture(t, storage.SQLite)
	code, body := f.do("", http.MethodGet, "/runbooks/alerts", "")
	if code != http.StatusOK {
		t.Fatalf("GET /runbooks/alerts = %d, want 200", code)
	}
	rules, err := promrules.Rules()
	if err != nil {
		t.Fatal(err)
	}
	alerts := rules.Alerts()
	if len(alerts) < 10 {
		t.Fatalf("the shipped rules have %d alerts", len(alerts))
	}
	page := string(body)
	for _, a := range alerts {
		url := a.Annotations["runbook_url"]
		anchor := url[strings.LastIndex(url, "#")+1:]
		if want := `<h2 id="` + anchor + `">` + a.Alert + `</h2>`; !strings.Contains(page, want) {
			t.Errorf("GET /runbooks/alerts has no %s: %s's runbook_url %q leads nowhere", want, a.Alert, url)
		}
	}
	if !strings.Contains(page, "<table>") || !strings.Contains(page, `<meta charset="utf-8">`) {
		t.Errorf("GET /runbooks/alerts: the alert table is not rendered as a table, or the page has no charset")
	}
}
