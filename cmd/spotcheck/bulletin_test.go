package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/bulletin"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// bulletinData makes four monthly plans of four tasks, A (September) to D
// (December 2026), with results known in advance, and closes A to C on
// 2026-12-31. It returns the plans' task ids by plan letter.
//
//	A 09-10: a0 fail (RA0), a1–a3 pass                      closed
//	B 10-05: b0 fail (RB0), b1–b3 pass                      closed
//	C 11-10: c0 fail (RC0), c1 pass, c2 refused, c3 none    closed: c3 lapsed
//	D 12-01: d0 fail 12-02 (RD0, final by 12-31), d1 pass,
//	         d2 fail 12-28 (RD2, provisional), d3 none      open
func bulletinData(t *testing.T, te *testEnv, cfg string) map[string][]int64 {
	t.Helper()
	ctx := t.Context()
	loc := mustLoc(t)
	at := func(day string) {
		d, err := time.ParseInLocation(time.DateOnly+" 15:04", day+" 10:00", loc)
		if err != nil {
			t.Fatal(err)
		}
		te.now = func() time.Time { return d }
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, stderr, code := te.run(ctx, stdin, append(args, "--config", cfg)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
		return out
	}
	at("2026-09-10")
	for _, kind := range []string{"enterprises", "inspectors"} {
		must("", "import", kind, filepath.Join("testdata", kind+".csv"))
	}
	tasks := map[string][]int64{}
	plan := func(letter, day string) {
		at(day)
		var p sampling.Plan
		if err := json.Unmarshal([]byte(must("", "plan", "run", "textiles-monthly", "--format", "json")), &p); err != nil || len(p.Tasks) != 4 {
			t.Fatalf("plan %s: %v, %d tasks", letter, err, len(p.Tasks))
		}
		for _, task := range p.Tasks {
			tasks[letter] = append(tasks[letter], task.ID)
		}
	}
	results := func(day string, rows ...string) {
		at(day)
		must("task_id,outcome,tested_on,report_no,failed_items\n"+strings.Join(rows, "\n")+"\n", "import", "results", "-")
	}
	row := func(id int64, outcome, day, report string) string {
		items := ""
		if outcome == "fail" {
			items = "甲醛含量"
		}
		return fmt.Sprintf("%d,%s,%s,%s,%s", id, outcome, day, report, items)
	}
	plan("A", "2026-09-10")
	a := tasks["A"]
	results("2026-09-12", row(a[0], "fail", "2026-09-12", "RA0"), row(a[1], "pass", "2026-09-12", "RA1"),
		row(a[2], "pass", "2026-09-12", "RA2"), row(a[3], "pass", "2026-09-12", "RA3"))
	plan("B", "2026-10-05")
	b := tasks["B"]
	results("2026-10-08", row(b[0], "fail", "2026-10-08", "RB0"), row(b[1], "pass", "2026-10-08", "RB1"),
		row(b[2], "pass", "2026-10-08", "RB2"), row(b[3], "pass", "2026-10-08", "RB3"))
	plan("C", "2026-11-10")
	c := tasks["C"]
	results("2026-11-12", row(c[0], "fail", "2026-11-12", "RC0"), row(c[1], "pass", "2026-11-12", "RC1"))
	store, err := storage.Open(ctx, te.db, storagetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.RecordRefusal(ctx, c[2], sampling.Refusal{Reason: sampling.RefusalStopped}, te.now()); err != nil {
		t.Fatal(err)
	}
	plan("D", "2026-12-01")
	d := tasks["D"]
	results("2026-12-02", row(d[0], "fail", "2026-12-02", "RD0"))
	results("2026-12-05", row(d[1], "pass", "2026-12-05", "RD1"))
	results("2026-12-28", row(d[2], "fail", "2026-12-28", "RD2"))
	at("2026-12-31")
	closed, err := store.ClosePlans(ctx, "2026-12-31", te.now())
	if err != nil || len(closed) != 3 {
		t.Fatalf("ClosePlans = %v, %v; want plans A to C", closed, err)
	}
	return tasks
}

// bulletinOut keeps the PDFs of TestBulletinPDF in a directory, to look at.
var bulletinOut = flag.String("bulletin-out", "", "write the PDFs of TestBulletinPDF to this directory")

func renamedExec(r sampling.ExecutionRow, window string) sampling.ExecutionRow {
	r.Window = window
	return r
}

func sumRows(rows []sampling.RateRow) (batches, failed int) {
	for _, r := range rows {
		batches += r.Batches
		failed += r.Failed
	}
	return batches, failed
}

// TestBulletin checks every figure of a bulletin against `rates` and
// `plans` for the same days, on both backends: the quarter's headline
// against the 92d window on its last day, the year to date against ytd,
// each month of the trend against 30d or 31d on the month's last day; and
// that provisional failures are counted but not named, and that the public
// version shows nothing the public record would not.
func TestBulletin(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			te := newTestEnv(t, backend)
			ctx := t.Context()
			cfg := filepath.Join("testdata", "bulletin.yaml")
			bulletinData(t, te, cfg)
			loc := mustLoc(t)
			setClock := func(day string) {
				d, _ := time.ParseInLocation(time.DateOnly+" 15:04", day+" 12:00", loc)
				te.now = func() time.Time { return d }
			}
			getJSON := func(v any, args ...string) {
				t.Helper()
				out, stderr, code := te.run(ctx, "", append(args, "--config", cfg, "--format", "json")...)
				if code != 0 {
					t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
				}
				if err := json.Unmarshal([]byte(out), v); err != nil {
					t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			setClock("2026-12-31")
			var internal, public bulletin.Bulletin
			getJSON(&internal, "bulletin", "2026Q4")
			getJSON(&public, "bulletin", "2026Q4", "--public")
			rates := func(day, window, by string) monitor.Report {
				t.Helper()
				setClock(day)
				defer setClock("2026-12-31")
				var rep monitor.Report
				getJSON(&rep, "rates", "--window", window, "--by", by)
				return rep
			}
			// renamed gives rows of window named like the bulletin's.
			renamed := func(rows []sampling.RateRow, window string) []sampling.RateRow {
				out := slices.Clone(rows)
				for i := range out {
					out[i].Window = window
				}
				return out
			}

			if !internal.Provisional || internal.To != "2026-12-31" || internal.PeriodEnd != "2026-12-31" || internal.From != "2026-10-01" {
				t.Errorf("bulletin 2026Q4 on 2026-12-31: provisional %v, %s to %s (period end %s); want provisional, 2026-10-01 to 2026-12-31",
					internal.Provisional, internal.From, internal.To, internal.PeriodEnd)
			}
			for _, b := range []bulletin.Bulletin{internal, public} {
				name := map[bool]string{false: "internal", true: "public"}[b.Public]
				var period, ytd []sampling.RateRow
				for _, h := range b.Tiers {
					if h.Period != nil {
						period = append(period, *h.Period)
					}
					if h.YTD != nil {
						ytd = append(ytd, *h.YTD)
					}
				}
				q4 := rates("2026-12-31", "92d", "tier")
				if want := renamed(q4.Rates, "2026Q4"); !reflect.DeepEqual(period, want) {
					t.Errorf("%s headline:\n%+v\nwant rates --window 92d:\n%+v", name, period, want)
				}
				if batches, failed := sumRows(period); batches != 9 || failed != 4 {
					t.Errorf("%s headline: %d batches, %d failed; want 9 and 4", name, batches, failed)
				}
				if want := rates("2026-12-31", "ytd", "tier").Rates; !reflect.DeepEqual(ytd, want) {
					t.Errorf("%s year to date:\n%+v\nwant rates --window ytd:\n%+v", name, ytd, want)
				}
				if !reflect.DeepEqual(b.Stability, q4.Stability) {
					t.Errorf("%s stability:\n%+v\nwant that of rates:\n%+v", name, b.Stability, q4.Stability)
				}
				for by, got := range map[string][]bulletin.GroupRow{"industry": b.Industries, "county": b.Counties} {
					rows := make([]sampling.RateRow, len(got))
					for i, g := range got {
						rows[i] = g.RateRow
					}
					want := renamed(rates("2026-12-31", "92d", by).Rates, "2026Q4")
					sortRows := func(rs []sampling.RateRow) {
						slices.SortFunc(rs, func(x, y sampling.RateRow) int {
							return strings.Compare(x.Tier+x.Industry+x.County, y.Tier+y.Industry+y.County)
						})
					}
					sortRows(rows)
					sortRows(want)
					if !reflect.DeepEqual(rows, want) {
						t.Errorf("%s by %s:\n%+v\nwant rates --by %s --window 92d:\n%+v", name, by, rows, by, want)
					}
				}
				// The trend: a month is a 30d or 31d window on its last day.
				monthEnd := map[string]string{"2026-09": "2026-09-30", "2026-10": "2026-10-31", "2026-11": "2026-11-30", "2026-12": "2026-12-31"}
				for _, s := range b.Trend {
					if len(s.Points) != 12 || s.Points[0].Month != "2026-01" || s.Points[11].Month != "2026-12" {
						t.Fatalf("%s trend of %s: %d points from %s; want 2026-01 to 2026-12", name, s.Tier, len(s.Points), s.Points[0].Month)
					}
					for _, pt := range s.Points {
						end, ok := monthEnd[pt.Month]
						if !ok {
							if pt.Rate != nil {
								t.Errorf("%s trend %s %s = %+v, want no batches", name, s.Tier, pt.Month, *pt.Rate)
							}
							continue
						}
						window := map[bool]string{true: "31d", false: "30d"}[strings.HasSuffix(end, "31")]
						var want *sampling.RateRow
						for _, r := range rates(end, window, "tier").Rates {
							if r.Tier == s.Tier {
								r.Window = pt.Month
								want = &r
							}
						}
						if !reflect.DeepEqual(pt.Rate, want) {
							t.Errorf("%s trend %s %s = %+v, want rates --window %s on %s: %+v", name, s.Tier, pt.Month, pt.Rate, window, end, want)
						}
					}
				}
			}

			// Execution against `plans`: the plans of fires in the quarter.
			var plans []sampling.Plan
			getJSON(&plans, "plans", "--limit", "1000")
			from, until := time.Date(2026, 10, 1, 0, 0, 0, 0, loc), time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
			count := func(publicOnly bool) bulletin.Execution {
				e := bulletin.Execution{ExecutionRow: sampling.ExecutionRow{Schedule: "textiles-monthly", Window: "2026Q4"}, Industry: "textiles", IndustryName: "纺织服装"}
				for _, p := range plans {
					if p.NominalTime.Before(from) || !p.NominalTime.Before(until) || (publicOnly && p.Status != sampling.PlanClosed) {
						continue
					}
					for _, task := range p.Tasks {
						e.Planned++
						switch {
						case task.Status == sampling.TaskTested || task.Status == sampling.TaskClosed:
							e.Tested++
						case task.Status == sampling.TaskRefused:
							e.Refused++
						case task.Status == sampling.TaskLapsed:
							e.Lapsed++
						default:
							e.Open++
						}
					}
				}
				ratio := float64(e.Tested) / float64(e.Tested+e.Refused+e.Lapsed)
				e.Ratio = &ratio
				return e
			}
			wantInternal := count(false)
			wantInternal.Ratio = nil
			if want := (bulletin.Execution{ExecutionRow: sampling.ExecutionRow{Schedule: "textiles-monthly", Window: "2026Q4", Planned: 12, Tested: 9, Refused: 1, Lapsed: 1, Open: 1},
				Industry: "textiles", IndustryName: "纺织服装"}); !reflect.DeepEqual(wantInternal, want) {
				t.Errorf("plans counted: %+v, want %+v", wantInternal, want)
			}
			if !reflect.DeepEqual(internal.Execution, []bulletin.Execution{count(false)}) {
				t.Errorf("execution %+v, want that of plans: %+v", internal.Execution, count(false))
			}
			if pub := count(true); !reflect.DeepEqual(public.Execution, []bulletin.Execution{pub}) || pub.Planned != 8 || pub.Open != 0 || pub.Lapsed != 1 {
				t.Errorf("public execution %+v, want closed plans only: %+v", public.Execution, pub)
			}
			// And against `execution` on the quarter's last day, with a 92d window.
			var exec []sampling.ExecutionRow
			getJSON(&exec, "execution", "--window", "92d")
			if len(exec) != 1 || !reflect.DeepEqual(renamedExec(exec[0], "2026Q4"), internal.Execution[0].ExecutionRow) {
				t.Errorf("execution --window 92d: %+v, want the bulletin's %+v", exec, internal.Execution[0].ExecutionRow)
			}

			// Failures: final ones named; provisional ones counted only.
			reports := func(b bulletin.Bulletin) []string {
				var out []string
				for _, f := range b.Failures {
					out = append(out, f.ReportNo)
				}
				return out
			}
			if got := reports(internal); !slices.Equal(got, []string{"RB0", "RC0", "RD0"}) || internal.Unnamed != (bulletin.Unnamed{Provisional: 1}) {
				t.Errorf("internal failures %v, unnamed %+v; want RB0 RC0 RD0 named, 1 provisional", got, internal.Unnamed)
			}
			if got := reports(public); !slices.Equal(got, []string{"RB0", "RC0"}) || public.Unnamed != (bulletin.Unnamed{Provisional: 1, OpenPlan: 1}) {
				t.Errorf("public failures %v, unnamed %+v; want RB0 RC0 named, 1 provisional, 1 of an open plan", got, public.Unnamed)
			}
			failed := 0
			for _, h := range internal.Tiers {
				if h.Period != nil {
					failed += h.Period.Failed
				}
			}
			if named := len(internal.Failures) + internal.Unnamed.Provisional; named != failed {
				t.Errorf("named and provisional failures %d, want the headline's %d", named, failed)
			}
			if f := internal.Failures[0]; f.Enterprise == "" || f.CategoryName == "" || f.County == "" || f.FailedItems != "甲醛含量" {
				t.Errorf("failure %+v lacks enterprise, category, county or items", f)
			}

			// The public version, as JSON and as pages in both languages,
			// leaks nothing the public record would not show.
			pubJSON, _, _ := te.run(ctx, "", "bulletin", "2026Q4", "--public", "--format", "json", "--config", cfg)
			pages := pubJSON
			for _, lang := range bulletin.Langs() {
				out, stderr, code := te.run(ctx, "", "bulletin", "2026Q4", "--public", "--lang", lang, "--config", cfg)
				if code != 0 {
					t.Fatalf("bulletin --public --lang %s: exit %d: %s", lang, code, stderr)
				}
				pages += out
			}
			for _, secret := range []string{"RD0", "RD2", "张伟", "王芳", "李娜", "I001", "I002", "I003", `"inspectors"`} {
				if strings.Contains(pages, secret) {
					t.Errorf("the public bulletin shows %q", secret)
				}
			}
			if !strings.Contains(pages, "RB0") || !strings.Contains(pages, "公开版") {
				t.Errorf("the public bulletin lacks RB0 or its title")
			}
			internalPage, _, _ := te.run(ctx, "", "bulletin", "2026Q4", "--config", cfg)
			if !strings.Contains(internalPage, "RD0") || strings.Contains(internalPage, "RD2") {
				t.Errorf("the internal page should name RD0 (final) and not RD2 (provisional)")
			}
		})
	}
}

// TestBulletinPDF prints the bulletin of TestBulletin's data through
// headless Chromium and reads the PDF back with pdftotext: the tiers' rates
// and targets, the Chinese text and every chart's title and axis must be
// there as text. Without Chromium the command names the package to install.
func TestBulletinPDF(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	cfg := filepath.Join("testdata", "bulletin.yaml")

	te.vars = map[string]string{"PATH": t.TempDir()}
	if _, stderr, code := te.run(ctx, "", "bulletin", "2026", "--format", "pdf", "--config", cfg); code != 1 || !strings.Contains(stderr, "install the Debian package chromium") {
		t.Errorf("bulletin --format pdf without Chromium: exit %d, want 1 and the package to install\n%s", code, stderr)
	}

	te.vars = map[string]string{"PATH": os.Getenv("PATH")}
	for _, tool := range []string{"chromium", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing; .ci/run installs it", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	bulletinData(t, te, cfg)
	var b bulletin.Bulletin
	out, stderr, code := te.run(ctx, "", "bulletin", "2026Q4", "--format", "json", "--config", cfg)
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil {
		t.Fatalf("bulletin --format json: exit %d: %s", code, stderr)
	}
	for _, lang := range bulletin.Langs() {
		t.Run(lang, func(t *testing.T) {
			pdf, stderr, code := te.run(ctx, "", "bulletin", "2026Q4", "--format", "pdf", "--lang", lang, "--config", cfg)
			if code != 0 || !strings.HasPrefix(pdf, "%PDF-") {
				t.Fatalf("bulletin --format pdf: exit %d, %d bytes: %s", code, len(pdf), stderr)
			}
			dir := *bulletinOut
			if dir == "" {
				dir = t.TempDir()
			}
			file := filepath.Join(dir, "bulletin-"+lang+".pdf")
			if err := os.WriteFile(file, []byte(pdf), 0o600); err != nil {
				t.Fatal(err)
			}
			text, err := exec.CommandContext(ctx, "pdftotext", "-layout", file, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			got := string(text)
			want := []string{"2026Q3", "95%"}
			if lang == bulletin.LangZH {
				want = append(want, "产品质量监督抽查情况通报", "2026年第4季度", "一般工业产品", "重点产品", "合格率", "临时数据", "纺织服装", "甲醛含量",
					"图1 一般工业产品月度合格率", "图2 重点产品月度合格率", "图3 主要农资月度合格率", "图4 各行业合格率", "图5 各县区合格率", "2026年1月", "第 1 页，共")
			} else {
				want = append(want, "Product quality spot-check bulletin", "Q4 2026", "Provisional",
					"Figure 1. general products", "Figure 2. key products", "Figure 3. agricultural inputs", "Figure 4. Pass rate by industry", "Figure 5. Pass rate by county", "Jan 2026", "Page 1 of")
			}
			for _, h := range b.Tiers {
				want = append(want, fmt.Sprintf("%.1f%%", 100*h.Target))
				if h.Period != nil {
					want = append(want, fmt.Sprintf("%.1f%%", 100*h.Period.Rate), fmt.Sprintf("%.1f%%", 100*h.YTD.Rate))
				}
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("the PDF's text lacks %q", w)
				}
			}
			if strings.ContainsRune(got, '\uFFFD') {
				t.Errorf("the PDF's text holds replacement characters: Chinese text was not kept")
			}
			if t.Failed() {
				t.Logf("pdftotext:\n%s", got)
			}
		})
	}
}

// TestBulletinBadInput checks that each bad argument is named with the
// reason, and that a period over is not provisional.
func TestBulletinBadInput(t *testing.T) {
	te := newTestEnv(t, storage.SQLite)
	ctx := t.Context()
	te.now = func() time.Time { return time.Date(2026, 11, 20, 10, 0, 0, 0, mustLoc(t)) }
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"bulletin"}, "bulletin: got 0 arguments"},
		{[]string{"bulletin", "2026Q5"}, `bulletin: period "2026Q5": want a year 2026, a quarter 2026Q4 or a month 2026-11`},
		{[]string{"bulletin", "2026-11", "--lang", "fr"}, `bulletin: --lang "fr": want zh or en`},
		{[]string{"bulletin", "2026-11", "--format", "xml"}, `--format "xml": want html or json or pdf`},
		{[]string{"bulletin", "2027"}, "bulletin 2027: the period has not begun (today is 2026-11-20 in Asia/Shanghai)"},
	} {
		_, stderr, code := te.run(ctx, "", tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.says) {
			t.Errorf("%s: exit %d\n%s\nwant 2 saying %s", strings.Join(tt.args, " "), code, stderr, tt.says)
		}
	}
	var b bulletin.Bulletin
	out, stderr, code := te.run(ctx, "", "bulletin", "2026-10", "--format", "json")
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil || b.Provisional || b.To != "2026-10-31" || b.Previous != "2026-09" {
		t.Errorf("bulletin 2026-10 on 2026-11-20: exit %d, provisional %v, to %s, previous %s; want final, to 2026-10-31, after 2026-09\n%s",
			code, b.Provisional, b.To, b.Previous, stderr)
	}
}
