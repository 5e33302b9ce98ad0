package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestLoggedAsErrorFrom500: a request answered with a server error
// (500 and above) is logged as an error; one answered below 500 (a client
// error, 499 at most) at debug level, with its status.
func TestRequestLoggedAsErrorFrom500(t *testing.T) {
	var logs logBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := logRequests(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/"), &code)
		if code != http.StatusOK {
			w.WriteHeader(code)
		}
	}))
	var got []string
	for _, code := range []int{200, 404, 499, 500, 503} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/%d", code), nil))
	}
	for line := range strings.Lines(logs.String()) {
		var r struct {
			Level, Msg, Component, Path string
			Status                      int
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log record %q: %v", line, err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %d", r.Level, r.Msg, r.Component, r.Path, r.Status))
	}
	want := []string{
		"DEBUG request http /200 200",
		"DEBUG request http /404 404",
		"DEBUG request http /499 499",
		"ERROR request http /500 500",
		"ERROR request http /503 503",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("request log records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
