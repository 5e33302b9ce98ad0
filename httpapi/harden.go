package httpapi

import (
	"fmt"
	"net/http"
	"strings"
)

// Request body limits: bulk result imports may be large, nothing else is.
const (
	maxBody       = 1 << 20
	maxImportBody = 64 << 20
)

// harden wraps the service with body limits (413), security headers and
// cross-origin protection of the pages' forms.
func harden(next http.Handler) http.Handler {
	// Form posts to the pages from another origin are refused: browsers
	// say where a request comes from (Sec-Fetch-Site, Origin), and the
	// pages' forms also carry a per-session CSRF token.
	cop := http.NewCrossOriginProtection()
	pages := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer") // feed URLs carry a token
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		limit := int64(maxBody)
		if r.URL.Path == "/api/v1/results" {
			limit = maxImportBody
		}
		if r.ContentLength > limit {
			problem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if r.URL.Path == "/inspect" || strings.HasPrefix(r.URL.Path, "/inspect/") {
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
			pages.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/public/") {
			// Public pages: their own stylesheet, no scripts, no forms.
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		} else {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}
