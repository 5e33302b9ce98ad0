package bulletin

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
)

// sample is a small bulletin made by hand: two tiers, one county whose
// name needs escaping, one named failure.
func sample() *Bulletin {
	row := func(window, tier string, batches, failed int, target float64) *sampling.RateRow {
		r := sampling.RateRow{Window: window, Tier: tier, Batches: batches, Failed: failed, Passed: batches - failed, Target: target, Status: sampling.StatusMet}
		r.Rate = float64(r.Passed) / float64(batches)
		r.Lower, r.Upper = sampling.ClopperPearson(r.Passed, batches)
		return &r
	}
	b := &Bulletin{Period: "2026Q4", Kind: KindQuarter, From: "2026-10-01", To: "2026-12-31", PeriodEnd: "2026-12-31",
		AsOf: time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC), Timezone: "Asia/Shanghai", Previous: "2026Q3", MinBatches: 30,
		Failures: []Failure{{Enterprise: "苏州<恒瑞>服饰有限公司", CategoryName: "童装", County: "姑苏区", FailedItems: "甲醛含量", ReportNo: "R-1"}},
		Unnamed:  Unnamed{Provisional: 2}, Disclosures: []int64{7}, Execution: []Execution{}}
	for _, tier := range []struct {
		name   string
		target float64
	}{{sampling.TierGeneral, 0.92}, {sampling.TierKey, 0.97}} {
		b.Tiers = append(b.Tiers, TierHeadline{Tier: tier.name, Target: tier.target, Period: row("2026Q4", tier.name, 40, 3, tier.target), YTD: row("ytd", tier.name, 150, 9, tier.target)})
		s := TrendSeries{Tier: tier.name, Target: tier.target}
		for _, m := range months(date("2026-12-31"), TrendMonths) {
			pt := TrendPoint{Month: string(m)[:len("2006-01")]}
			if _, mo, _ := m.Date(); mo != time.March {
				pt.Rate = row(pt.Month, tier.name, 12, 1, tier.target)
			}
			s.Points = append(s.Points, pt)
		}
		b.Trend = append(b.Trend, s)
		b.Industries = append(b.Industries, GroupRow{RateRow: *row("2026Q4", tier.name, 40, 3, tier.target), Name: "纺织服装"})
		b.Counties = append(b.Counties, GroupRow{RateRow: *row("2026Q4", tier.name, 20, 3, tier.target), Name: "A&B<区>"})
	}
	return b
}

func TestHTML(t *testing.T) {
	r, err := NewRenderer(CJKFonts())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{LangZH, []string{"<title>产品质量监督抽查情况通报 2026年第4季度</title>", "图1 一般工业产品月度合格率", "图3 各行业合格率", "图4 各县区合格率",
			"苏州&lt;恒瑞&gt;服饰有限公司", "另有2批次不合格", `href="https://example.gov.cn/public/plans/7"`, `"第 " counter(page) " 页，共 " counter(pages) " 页"`}},
		{LangEN, []string{"<title>Product quality spot-check bulletin Q4 2026</title>", "Figure 2. key products: monthly pass rate", "2 failed batches are counted",
			`"Page " counter(page) " of " counter(pages);`}},
	} {
		var buf bytes.Buffer
		if err := r.HTML(&buf, sample(), HTMLOptions{Lang: tt.lang, BaseURL: "https://example.gov.cn/"}); err != nil {
			t.Fatalf("HTML(%s): %v", tt.lang, err)
		}
		page := buf.String()
		if n := strings.Count(page, `<svg class="chart"`); n != 4 {
			t.Errorf("HTML(%s) has %d charts, want 4 (two trends, industries, counties)", tt.lang, n)
		}
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("HTML(%s) lacks %q", tt.lang, w)
			}
		}
		// Names are escaped in the tables and in the charts' SVG text.
		if strings.Contains(page, "A&B<区>") || strings.Contains(page, "<恒瑞>") || !strings.Contains(page, "A&amp;B&lt;区&gt;") {
			t.Errorf("HTML(%s) does not escape names", tt.lang)
		}
		if strings.Contains(page, "<?xml") || strings.Contains(page, "<script") {
			t.Errorf("HTML(%s) holds an XML prolog or a script", tt.lang)
		}
	}
}

// TestFontFallback: without a readable CJK font the charts are measured
// with a Latin font and still drawn.
func TestFontFallback(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "broken.ttc")
	if err := os.WriteFile(bad, []byte("not a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer([]string{filepath.Join(t.TempDir(), "missing.ttc"), bad})
	if err != nil {
		t.Fatalf("NewRenderer without a CJK font: %v", err)
	}
	if r.family != "Liberation Sans" {
		t.Errorf("font family %q, want Liberation Sans", r.family)
	}
	var buf bytes.Buffer
	if err := r.HTML(&buf, sample(), HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `<svg class="chart"`); n != 4 {
		t.Errorf("%d charts, want 4", n)
	}
	if !strings.Contains(buf.String(), "font-family:'Noto Sans CJK SC'") {
		t.Errorf("the charts do not ask for the Chinese fonts")
	}
}
