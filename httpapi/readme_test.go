package httpapi

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeRoutes checks that the README's route table names every route
// of routes.go.
func TestReadmeRoutes(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "### HTTP API")
	table := string(readme)[start : start+strings.Index(string(readme)[start:], "\nErrors are")]
	routes := regexp.MustCompile(`mux\.Handle(?:Func)?\("(GET|POST) (/[^" ]*)"`).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 20 {
		t.Fatalf("found %d routes in routes.go, want them all", len(routes))
	}
	for _, m := range routes {
		method, path := m[1], strings.TrimSuffix(m[2], "{$}") // "/public/{$}" is the page /public/
		// A row may list a route's method once for several paths, or its
		// siblings by suffix (".csv", "/refusal").
		if !strings.Contains(table, method+" "+path) && !strings.Contains(table, path+"`") && !strings.Contains(table, "`"+path[strings.LastIndexAny(path, "/."):]+"`") {
			t.Errorf("README's route table lacks %s %s", method, path)
		}
	}
}
