package grafana

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite dashboards/spotcheck.json from the code")

var committed = filepath.Join("dashboards", "spotcheck.json")

// committedIn is the committed board in lang.
func committedIn(lang Language) string {
	if lang == Chinese {
		return committed
	}
	return filepath.Join("dashboards", "spotcheck-"+string(lang)+".json")
}

// TestCommittedJSON: the committed dashboards are what the code builds
// (go test ./deploy/grafana -update rewrites them), and they parse strictly
// as Grafana dashboards.
func TestCommittedJSON(t *testing.T) {
	for _, lang := range Languages() {
		t.Run(string(lang), func(t *testing.T) { checkCommitted(t, lang) })
	}
}

func checkCommitted(t *testing.T, lang Language) {
	committed := committedIn(lang)
	got, err := JSONIn(lang)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what Dashboard() builds: run go test ./deploy/grafana -update", committed)
	}
	plugins.RegisterDefaultPlugins()
	var d dashboard.Dashboard
	// The SDK returns its error list typed, so an empty one is a non-nil
	// error holding no error.
	var errs cog.BuildErrors
	if err := d.UnmarshalJSONStrict(want); err != nil && !(errors.As(err, &errs) && len(errs) == 0) {
		t.Errorf("%s does not parse strictly as a dashboard: %v", committed, err)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("%s: %v", committed, err)
	}
}

// TestDashboardShape: a stable uid, the variables of the issue, every panel
// on the datasource variable and with a query, and panels that do not
// overlap.
func TestDashboardShape(t *testing.T) {
	data, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource *struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []json.RawMessage        `json:"targets"`
			GridPos struct{ X, Y, W, H int } `json:"gridPos"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID != UID {
		t.Errorf("uid = %q, want %q", d.UID, UID)
	}
	var vars []string
	for _, v := range d.Templating.List {
		vars = append(vars, v.Name)
	}
	if want := []string{"datasource", "window", "tier", "industry", "county"}; !slices.Equal(vars, want) {
		t.Errorf("variables = %v, want %v", vars, want)
	}
	type cell struct{ x, y int }
	taken := map[cell]string{}
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %v, want the ${datasource} variable", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		g := p.GridPos
		if g.W == 0 || g.H == 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v is not on the 24-column grid", p.Title, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := taken[cell{x, y}]; ok {
					t.Fatalf("panel %q overlaps panel %q at (%d, %d)", p.Title, other, x, y)
				}
				taken[cell{x, y}] = p.Title
			}
		}
	}
	queries, err := Queries(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		if strings.Contains(q.Expr, "spotcheck_") && strings.Contains(q.Expr, "spotcheck_window") && !strings.Contains(q.Expr, "without (instance") && !strings.HasPrefix(q.Where, "variable") {
			t.Errorf("%s: %s counts the replicas' identical series more than once; take max without (instance) first", q.Where, q.Expr)
		}
	}
}

// TestProvisioning: the file provider points at the directory the
// dashboard is installed to, as docs/monitoring.md says, and the data
// source's uid is the variable's default.
func TestProvisioning(t *testing.T) {
	var p struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string `yaml:"name"`
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	data, err := os.ReadFile(filepath.Join("provisioning", "dashboards", "spotcheck.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(false)
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if p.APIVersion != 1 || len(p.Providers) != 1 || p.Providers[0].Type != "file" || p.Providers[0].Options.Path == "" {
		t.Fatalf("dashboard provisioning = %+v, want one file provider with a path", p)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "monitoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), p.Providers[0].Options.Path) {
		t.Errorf("docs/monitoring.md does not say where to install the dashboard (%s)", p.Providers[0].Options.Path)
	}
}

// TestPanelsHonourVariables: every panel is narrowed by each of the
// variables window, tier, industry and county, or its description says
// that it is not, and why; and no panel says so of a variable it uses.
func TestPanelsHonourVariables(t *testing.T) {
	for _, lang := range Languages() {
		t.Run(string(lang), func(t *testing.T) {
			tx := textsOf(lang)
			data, err := JSONIn(lang)
			if err != nil {
				t.Fatal(err)
			}
			var d struct {
				Panels []struct {
					Type, Title, Description string
					Targets                  []struct{ Expr string }
				}
			}
			if err := json.Unmarshal(data, &d); err != nil {
				t.Fatal(err)
			}
			prefix, _, _ := strings.Cut(tx.notBy, "%s")
			for _, p := range d.Panels {
				if p.Type == "row" {
					continue
				}
				var exprs strings.Builder
				for _, q := range p.Targets {
					exprs.WriteString(q.Expr)
				}
				// The list of variables the description says do not narrow
				// the panel.
				var notBy string
				if i := strings.Index(p.Description, prefix); i >= 0 {
					notBy = p.Description[i+len(prefix):]
					notBy, _, _ = strings.Cut(notBy, strings.TrimSpace(tx.notBy[strings.Index(tx.notBy, "%s")+2:]))
				}
				for _, v := range []string{"window", "tier", "industry", "county"} {
					used := strings.Contains(exprs.String(), "$"+v)
					said := slices.Contains(strings.Split(notBy, tx.listSep), tx.variableTitle(v))
					switch {
					case !used && !said:
						t.Errorf("panel %q is not narrowed by $%s and its description does not say why: %q", p.Title, v, p.Description)
					case used && said:
						t.Errorf("panel %q is narrowed by $%s but its description says it is not: %q", p.Title, v, p.Description)
					}
				}
			}
		})
	}
}
