package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestBadImports is the corpus of bad CSV inputs, for each importer on both
// backends: each is refused with exit 2 and every problem named with its
// file, line, column and field, and no table changes.
func TestBadImports(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			cfg := filepath.Join("testdata", "spotcheck.yaml")
			plan := madePlan(t, te, cfg)
			task := plan.Tasks[0].ID
			today := time.Now().In(mustLoc(t)).Format(time.DateOnly)
			store, err := storage.Open(t.Context(), te.db, storagetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()

			const ent = "credit_code,name,county,industry,category\n"
			const code = "91320500MA00000992" // valid, not yet in the registry
			const insp = "id,name,county,industries\n"
			res := "task_id,outcome,tested_on,report_no,failed_items\n"
			for _, tc := range []struct {
				name, kind, input string
				noConfig          bool
				want              []string // each a whole line of stderr
			}{
				{"NUL in a name", "enterprises", ent + code + ",苏州\x00纺织,姑苏区,textiles,garments\n", false,
					[]string{"stdin:2:2: name: NUL character at byte 6"}},
				{"control character in a county", "enterprises", ent + code + ",苏州纺织,姑苏\x1b区,textiles,garments\n", false,
					[]string{"stdin:2:3: county: control character U+001B at byte 6"}},
				{"invalid UTF-8", "enterprises", ent + code + ",苏州\xff纺织,姑苏区,textiles,garments\n", false,
					[]string{"stdin:2: neither UTF-8 nor GB18030 (check the file's encoding, or give --encoding)"}},
				{"a name of 20 MiB", "enterprises", ent + code + "," + strings.Repeat("x", 20<<20) + ",姑苏区,textiles,garments\n", false,
					[]string{fmt.Sprintf("stdin:2:2: name: %d characters, at most 100", 20<<20)}},
				{"every problem of a row", "enterprises", ent + "91320500MA00000028,苏州纺织,,nosuch-industry,garments\n", false,
					[]string{`stdin:2:1: credit_code: credit code "91320500MA00000028": check character is '8', want '3'`,
						"stdin:2:3: county: must not be empty",
						`stdin:2:4: industry: "nosuch-industry" is not an industry of the configuration (known: textiles)`}},
				{"unknown category", "enterprises", ent + code + ",苏州纺织,姑苏区,textiles,hats\n", false,
					[]string{`stdin:2:5: category: "hats" is not a category of industry "textiles" (known: garments, childrens-garments)`}},
				{"county not configured", "enterprises", ent + code + ",苏州纺织,姑苏,textiles,garments\n", false,
					[]string{`stdin:2:3: county: "姑苏" is not a county of the configuration (known: 姑苏区, 吴江区)`}},
				{"inspector county not configured", "inspectors", insp + "I009,李四,虎丘区,textiles\n", false,
					[]string{`stdin:2:3: county: "虎丘区" is not a county of the configuration (known: 姑苏区, 吴江区)`}},
				{"enterprises without a configuration", "enterprises", ent + code + ",苏州纺织,姑苏区,textiles,garments\n", true,
					[]string{"spotcheck: import enterprises: industries and categories are checked against the configuration, which has none: pass --config FILE (or set SPOTCHECK_CONFIG)"}},
				{"inspector id with a space", "inspectors", insp + "I 9,李四,姑苏区,textiles\n", false,
					[]string{`stdin:2:1: id: id "I 9": use letters, digits, '_', '.' and '-', starting with a letter or digit`}},
				{"inspector industry not configured", "inspectors", insp + "I009,李四,姑苏区,textiles;nosuch-industry\n", false,
					[]string{`stdin:2:4: industries: "nosuch-industry" is not an industry of the configuration (known: textiles)`}},
				{"recusal of an enterprise not in the registry", "inspectors", insp[:len(insp)-1] + ",recuse\nI009,李四,姑苏区,textiles," + code + "\n", false,
					[]string{"stdin:2:5: recuse: credit code " + code + " is not in the registry (import the enterprises first)"}},
				{"NUL in an inspector's name", "inspectors", insp + "I009,李\x00四,姑苏区,textiles\n", false,
					[]string{"stdin:2:2: name: NUL character at byte 3"}},
				{"inspectors without a configuration", "inspectors", insp + "I009,李四,姑苏区,textiles\n", true,
					[]string{"spotcheck: import inspectors: industries and categories are checked against the configuration, which has none: pass --config FILE (or set SPOTCHECK_CONFIG)"}},
				{"NUL in a report number", "results", res + fmt.Sprintf("%d,pass,%s,R\x001,\n", task, today), false,
					[]string{"stdin:2:4: report_no: NUL character at byte 1"}},
				{"every problem of a result row", "results", res + fmt.Sprintf("%d,maybe,yesterday,R\x1b,\n", task), false,
					[]string{`stdin:2:2: outcome: "maybe" is not pass or fail`,
						`stdin:2:3: tested_on: "yesterday" is not a date like 2026-11-28 or 2026/11/28`,
						"stdin:2:4: report_no: control character U+001B at byte 1"}},
				{"long failed items", "results", res + fmt.Sprintf("%d,fail,%s,R1,%s\n", task, today, strings.Repeat("项", 501)), false,
					[]string{"stdin:2:5: failed_items: 501 characters, at most 500"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := storagetest.Dump(t, store)
					args := []string{"import", tc.kind, "-"}
					if !tc.noConfig {
						args = append(args, "--config", cfg)
					}
					out, stderr, code := te.run(t.Context(), tc.input, args...)
					if code != 2 || out != "" {
						t.Errorf("import %s: exit %d, stdout %q; want exit 2 and nothing imported\n%.2000s", tc.kind, code, out, stderr)
					}
					lines := strings.Split(strings.TrimSpace(stderr), "\n")
					for _, w := range tc.want {
						found := false
						for _, l := range lines {
							found = found || strings.TrimPrefix(l, "spotcheck: ") == strings.TrimPrefix(w, "spotcheck: ")
						}
						if !found {
							t.Errorf("import %s: stderr lacks the line %q:\n%.2000s", tc.kind, w, stderr)
						}
					}
					if after := storagetest.Dump(t, store); after != before {
						t.Errorf("import %s changed the tables", tc.kind)
					}
				})
			}
		})
	}
}

// TestBadImportFiles imports the CSV importers' bad files on both backends
// (with the configuration's category ids for their Chinese categories):
// the problems of single rows (found while reading) and those across rows
// (found by the store over the staged set) come together, in file order,
// and nothing is stored.
func TestBadImportFiles(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "food.yaml")
	if err := os.WriteFile(cfg, []byte(`timezone: Asia/Shanghai
industries:
  - id: food
    name: 食品
    categories:
      - {id: oil, name: 食用油, tier: general}
      - {id: pastry, name: 糕点, tier: general}
      - {id: soy, name: 酱油, tier: general}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			for _, tc := range []struct {
				kind, file string
				want       []string
			}{
				{"enterprises", "enterprises.bad.csv", []string{
					`enterprises.bad.csv:3:1: credit_code: credit code "91320500000000001X": check character is 'X', want 'W'`,
					`enterprises.bad.csv:4:2: name: must not be empty`,
					`enterprises.bad.csv:4:6: risk: "E" is not A, B, C or D`,
					`enterprises.bad.csv:5:5: category: credit code 91320500000000001W with category oil also on line 2`,
					`enterprises.bad.csv:6:2: name: "姑苏食品厂", but line 2 names credit code 91320500000000001W "姑苏食品"`,
					`enterprises.bad.csv:6:3: county: "相城区", but line 2 puts credit code 91320500000000001W in "姑苏区"`,
					`enterprises.bad.csv:7: 4 fields, want 6 as in the header`,
					`enterprises.bad.csv:9:1: credit_code: credit code "123" has 3 characters, want 18`,
					`enterprises.bad.csv:9:4: industry: "z" is not an industry of the configuration (known: food)`,
					`enterprises.bad.csv:10:2: name: must not be empty`,
					`enterprises.bad.csv:10:3: county: must not be empty`,
					`enterprises.bad.csv:10:4: industry: must not be empty`,
					`enterprises.bad.csv:10:5: category: must not be empty`,
				}},
				{"inspectors", "inspectors.bad.csv", []string{
					`inspectors.bad.csv:3:1: id: inspector I01 also on line 2`,
					`inspectors.bad.csv:4:3: county: must not be empty`,
					`inspectors.bad.csv:4:4: industries: must list at least one industry`,
					`inspectors.bad.csv:4:5: recuse: credit code "91320500000000001X": check character is 'X', want 'W'`,
					`inspectors.bad.csv:4:5: recuse: credit code "ABC" has 3 characters, want 18`,
					`inspectors.bad.csv:5:1: id: must not be empty`,
				}},
			} {
				data, err := os.ReadFile(filepath.Join("..", "..", "csvimport", "testdata", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), tc.file)
				if err := os.WriteFile(path, []byte(strings.NewReplacer("食用油", "oil", "糕点", "pastry", "酱油", "soy").Replace(string(data))), 0o600); err != nil {
					t.Fatal(err)
				}
				out, stderr, code := te.run(t.Context(), "", "import", tc.kind, path, "--config", cfg)
				if code != 2 || out != "" {
					t.Errorf("import %s %s: exit %d, stdout %q; want exit 2 and nothing imported", tc.kind, tc.file, code, out)
				}
				var got []string
				for l := range strings.Lines(stderr) {
					got = append(got, strings.TrimPrefix(strings.TrimRight(l, "\n"), "spotcheck: "))
				}
				for i := range tc.want {
					tc.want[i] = strings.Replace(tc.want[i], tc.file, path, 1)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("import %s %s: stderr\n%s\nwant\n%s", tc.kind, tc.file, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
			}
			store := te.store()
			if units, err := store.Frame(t.Context(), "food"); err != nil || len(units) != 0 {
				t.Errorf("Frame(food) = %d units, %v; want none stored", len(units), err)
			}
		})
	}
}
