package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"spotcheck/bulletin"
	"spotcheck/storagetest"
)

// TestBulletinRoutes checks the bulletin's routes: bad requests name the
// parameter, the public page is self-contained HTML under a policy that
// allows only its inline styles, and the public JSON leaves out the open
// plan that the internal one counts.
func TestBulletinRoutes(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, backend)
			for _, tt := range []struct {
				caller, path string
				status       int
				says         string
			}{
				{"", "/api/v1/public/bulletins/2026Q5", http.StatusBadRequest, `path: period \"2026Q5\": want a year 2026, a quarter 2026Q4 or a month 2026-11`},
				{"", "/public/bulletins/2026?lang=fr", http.StatusBadRequest, `query parameter lang: \"fr\" is not zh or en`},
				{"viewer", "/api/v1/bulletins/2026?format=pdf&public=maybe", http.StatusBadRequest, `query parameter format: \"pdf\" is not json or html`},
				{"viewer", "/api/v1/bulletins/2027Q1", http.StatusNotFound, "the period has not begun (today is 2026-11-20 in Asia/Shanghai)"},
			} {
				status, body := f.do(tt.caller, "GET", tt.path, "")
				if status != tt.status || !strings.Contains(string(body), tt.says) {
					t.Errorf("GET %s = %d\n%s\nwant %d saying %s", tt.path, status, body, tt.status, tt.says)
				}
			}

			req, _ := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+"/public/bulletins/2026Q4", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || resp.Header.Get("Content-Security-Policy") != bulletinCSP {
				t.Errorf("GET /public/bulletins/2026Q4 = %d, %s, CSP %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
			}
			_, page := f.do("", "GET", "/public/bulletins/2026Q4", "")
			for _, want := range []string{"产品质量监督抽查情况通报（公开版）", "2026年第4季度", `<svg class="chart"`, "图1 一般工业产品月度合格率", `<a href="?lang=en" lang="en">English</a>`} {
				if !strings.Contains(string(page), want) {
					t.Errorf("the public page lacks %q", want)
				}
			}
			for _, secret := range []string{"张伟", "王芳", "I001", "I002", "<script", " src=", "<link", "url(", "@import"} {
				if strings.Contains(string(page), secret) {
					t.Errorf("the public page holds %q", secret)
				}
			}

			var internal, public, asPublic bulletin.Bulletin
			_, body := f.do("viewer", "GET", "/api/v1/bulletins/2026Q4", "")
			decode(t, body, &internal)
			_, body = f.do("", "GET", "/api/v1/public/bulletins/2026Q4", "")
			decode(t, body, &public)
			_, body = f.do("admin", "GET", "/api/v1/bulletins/2026Q4?public=true", "")
			decode(t, body, &asPublic)
			tasks := len(f.plan.Tasks)
			if len(internal.Execution) != 1 || internal.Execution[0].Planned != tasks || internal.Execution[0].Open != tasks || internal.Public {
				t.Errorf("internal execution %+v, want %d tasks pending", internal.Execution, tasks)
			}
			if len(public.Execution) != 0 || !public.Public || !asPublic.Public || len(asPublic.Execution) != 0 {
				t.Errorf("public execution %+v and %+v, want none: the only plan is open", public.Execution, asPublic.Execution)
			}
		})
	}
}
