package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"spotcheck/bulletin"
)

// bulletinCSP lets a bulletin page use its inline styles and charts and
// nothing else.
const bulletinCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

// handleBulletin answers GET /api/v1/bulletins/{period} (internal: viewers
// and admins) and the public forms, GET /public/bulletins/{period} (a page)
// and GET /api/v1/public/bulletins/{period} (JSON). Query parameters:
// format=json|html (default def), lang=zh|en, and on the internal route
// public=true for the public version.
func handleBulletin(d Deps, public bool, def string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var errs []string
		period, err := bulletin.ParsePeriod(r.PathValue("period"))
		if err != nil {
			errs = append(errs, "path: "+err.Error())
		}
		format := q.Get("format")
		if format == "" {
			format = def
		}
		if format != "json" && format != "html" {
			errs = append(errs, fmt.Sprintf("query parameter format: %q is not json or html", format))
		}
		lang := q.Get("lang")
		if lang == "" {
			lang = bulletin.LangZH
		}
		if !slices.Contains(bulletin.Langs(), lang) {
			errs = append(errs, fmt.Sprintf("query parameter lang: %q is not %s", lang, strings.Join(bulletin.Langs(), " or ")))
		}
		if !public {
			if public, err = boolParam(r, "public"); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			problem(w, http.StatusBadRequest, "bad bulletin request", errs...)
			return
		}
		b, err := bulletin.Build(r.Context(), d.Store, d.Config, bulletin.Request{Period: period, Now: d.Now(), Public: public})
		if errors.Is(err, bulletin.ErrNotBegun) {
			problem(w, http.StatusNotFound, err.Error())
			return
		}
		if err != nil {
			serverError(w, d, err)
			return
		}
		if format == "json" {
			writeJSON(w, http.StatusOK, b)
			return
		}
		var page bytes.Buffer
		if err := d.Bulletins.HTML(&page, b, bulletin.HTMLOptions{Lang: lang, LangLinks: true}); err != nil {
			serverError(w, d, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", bulletinCSP)
		w.Write(page.Bytes())
	})
}
