package httpapi

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"

	"spotcheck/docs"
)

// runbookPage wraps the rendered runbook.
var runbookPage = template.Must(template.New("runbook").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>spotcheck alerts: runbook</title>
<style>
body{font:16px/1.5 system-ui,"Noto Sans CJK SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h2{border-top:1px solid #ddd;padding-top:1.5rem;margin-top:2rem}
h2:target{background:#fff4c2}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
pre{background:#f3f3f3;padding:.75rem;overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
</style></head><body>{{.}}</body></html>
`))

// handleRunbook serves docs/alerts.md as HTML at /runbooks/alerts, each
// alert's section anchored by its name in lower case (#spotcheckdown), the
// target of the alerts' runbook_url once the spotcheck_runbooks external
// label points here (docs/monitoring.md). The page is small and rarely
// read: it is rendered per request.
func handleRunbook(d Deps) http.Handler {
	md := goldmark.New(goldmark.WithExtensions(extension.Table), goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body, page bytes.Buffer
		err := md.Convert(docs.Alerts(), &body)
		if err == nil {
			// The Markdown is ours, shipped in the binary: its HTML is
			// trusted.
			err = runbookPage.Execute(&page, template.HTML(body.String()))
		}
		if err != nil {
			serverError(w, d, fmt.Errorf("render docs/alerts.md: %w", err))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page.Bytes())
	})
}
