package httpapi

import (
	"net/http"
	"strings"

	"spotcheck/i18n"
)

// pageLang is the language of a page: ?lang=, else the lang cookie, else
// def (the configured language). The browser's Accept-Language is not
// consulted: inspectors' phones set to English still get the bureau's
// language unless they choose English on the page.
func pageLang(r *http.Request, def string) string {
	v := r.URL.Query().Get("lang")
	if v == "" {
		if c, err := r.Cookie("lang"); err == nil {
			v = c.Value
		}
	}
	if v != "" {
		if strings.HasPrefix(v, i18n.EN) {
			return i18n.EN
		}
		return i18n.ZH
	}
	if i18n.Known(def) {
		return def
	}
	return i18n.ZH
}

// reasonText is a validation problem in lang: from the catalogue when the
// problem has a key, else its reason as it is.
func reasonText(lang, key string, args []any, reason string) string {
	if key == "" {
		return reason
	}
	return i18n.Format(lang, key, args...)
}
