package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// placed is what every problem of a rejected body starts with: the byte
// offset or the field of the body, or the field of the value.
var placed = regexp.MustCompile(`^(request body: (invalid UTF-8 at byte \d+|data after the JSON object at byte \d+|invalid JSON at byte \d+|field \S+: |unknown field "|empty: |want a JSON object)|[a-z_]+: )`)

// FuzzBodies posts fuzzed JSON bodies to every route that takes one, on one
// served SQLite store: never a 500, and every rejection is a problem
// document whose errors each name their place. Seeds are the cases of
// TestBadBodies and testdata/fuzz.
func FuzzBodies(f *testing.F) {
	for _, body := range []string{
		`{"outcome":"pass","tested_on":"2026-11-20"}{"outcome":"fail"}`,
		"{\"outcome\":\"pass\",\"tested_on\":\"2026-11-20\",\"report_no\":\"R\xff1\"}",
		`{"outcome":"pass","tested_on":"2026-11-20","report_no":"R\u00001"}`,
		`{"outcome":"maybe","tested_on":"yesterday"}`,
		`{"sampled_on":"2026-11-19","batch_no":"B\u00001","quantity":1,"seals":["F1"]}`,
		`{"sampled_on":"2026-11-19","batch_no":"B1","quantity":1,"seals":"F1, F2"}`,
		`{"reason":"other","note":"closed\u0000"}`,
		`{"reason":"not_for_sale"}`,
		`[]`, ``, `{`, `null`, `{"quantity":1e400}`,
	} {
		for route := range 3 {
			f.Add(uint8(route), []byte(body))
		}
	}
	fx := newFixture(f, "sqlite")
	handler := fx.srv.Config.Handler
	routes := []string{"result", "sampling", "refusal"}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		path := fmt.Sprintf("/api/v1/tasks/%d/%s", fx.taskA, routes[int(route)%len(routes)])
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+fx.tokens["A"])
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q = %d\n%s", path, body, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			return
		}
		var p problemBody
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || len(p.Errors) == 0 {
			t.Fatalf("POST %s %q = %d with %s, want a problem document with errors", path, body, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusBadRequest || rec.Code == http.StatusUnprocessableEntity {
			for _, e := range p.Errors {
				if !placed.MatchString(e) {
					t.Fatalf("POST %s %q = %d: problem %q does not name its place", path, body, rec.Code, e)
				}
			}
		}
	})
}
