package bulletin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"gonum.org/v1/plot/font"

	"spotcheck/sampling"
)

//go:embed bulletin.html
var pageSource string

// Renderer words bulletins as HTML pages with their charts. It holds the
// parsed template and the charts' fonts; it is safe for concurrent use.
type Renderer struct {
	fonts  *font.Cache
	family string // the family name the charts' SVG asks for
	page   *template.Template
}

// NewRenderer loads the charts' font from the first of fontPaths found
// (see CJKFonts), falling back to a Latin font.
func NewRenderer(fontPaths []string) (*Renderer, error) {
	fonts, family, err := loadFonts(fontPaths)
	if err != nil {
		return nil, err
	}
	page, err := template.New("bulletin").Funcs(template.FuncMap{
		"pct":    pct,
		"bounds": bounds,
		"inc":    func(i int) int { return i + 1 },
		"dict2": func(p page, rows []GroupRow, col string) groupTable {
			return groupTable{P: p, Rows: rows, Col: col}
		},
	}).Parse(pageSource)
	if err != nil {
		return nil, fmt.Errorf("bulletin template: %w", err)
	}
	return &Renderer{fonts: fonts, family: family, page: page}, nil
}

// HTMLOptions tune a rendered page.
type HTMLOptions struct {
	// Lang is LangZH (the default) or LangEN.
	Lang string
	// BaseURL is where the service answers, such as
	// https://spotcheck.example.gov.cn; the links to the public draw
	// records start with it. Empty gives paths, which a page served by
	// the service resolves.
	BaseURL string
	// LangLinks adds links to the page in each language (hidden in
	// print), for a page served by the service.
	LangLinks bool
}

// page is what the template shows.
type page struct {
	B           *Bulletin
	T           lexicon
	Lang        string
	Title       string
	PeriodLabel string
	Headline    []headlineRow
	Stability   []stabilityView
	Charts      []template.HTML
	Industries  []GroupRow
	Counties    []GroupRow
	IndustryFig template.HTML
	CountyFig   template.HTML
	Changes     []string
	Disclosures []disclosureLink
	PageLabel   [2]string
	BaseURL     string
	LangLinks   bool
}

// groupTable is the data of the template's groups table.
type groupTable struct {
	P    page
	Rows []GroupRow
	Col  string
}

type headlineRow struct {
	Name   string
	Target float64
	Period *sampling.RateRow
	YTD    *sampling.RateRow
}

type stabilityView struct {
	Line    string
	Periods []sampling.PeriodRate
}

type disclosureLink struct {
	ID  int64
	URL string
}

// HTML writes the bulletin as one self-contained page: styles and charts
// inline, nothing fetched, laid out to print on A4.
func (r *Renderer) HTML(w io.Writer, b *Bulletin, opts HTMLOptions) error {
	lang := opts.Lang
	if lang != LangEN {
		lang = LangZH
	}
	t := lexicon(words(lang))
	pg := page{B: b, T: t, Lang: lang, Title: t.T("title"), PeriodLabel: periodLabel(b, t)}
	if b.Public {
		pg.Title = t.T("title_public")
	}
	if lang == LangEN {
		pg.PageLabel = [2]string{"Page ", " of "}
	} else {
		pg.PageLabel = [2]string{"第 ", " 页，共 "}
	}
	for _, h := range b.Tiers {
		pg.Headline = append(pg.Headline, headlineRow{Name: t.Tier(h.Tier), Target: h.Target, Period: h.Period, YTD: h.YTD})
	}
	for _, s := range b.Stability {
		pg.Stability = append(pg.Stability, stabilityView{Line: t.T("stability", t.Tier(s.Tier), stabilityRule(s, lang), t.Status(stabilityStatus(s))), Periods: s.Periods})
	}
	fig := 0
	for _, s := range b.Trend {
		fig++
		svg, err := r.trendChart(s, t.T("chart_trend", fig, t.Tier(s.Tier)), t)
		if err != nil {
			return err
		}
		pg.Charts = append(pg.Charts, svg)
	}
	var err error
	pg.Industries, pg.Counties = b.Industries, b.Counties
	if len(b.Industries) > 0 {
		fig++
		if pg.IndustryFig, err = r.barChart(b.Industries, groupLabel(b.Industries, t), t.T("chart_industry", fig), t); err != nil {
			return err
		}
	}
	if len(b.Counties) > 0 {
		fig++
		if pg.CountyFig, err = r.barChart(b.Counties, groupLabel(b.Counties, t), t.T("chart_county", fig), t); err != nil {
			return err
		}
	}
	pg.Changes = changeLines(b, t)
	pg.BaseURL, pg.LangLinks = strings.TrimSuffix(opts.BaseURL, "/"), opts.LangLinks
	for _, id := range b.Disclosures {
		pg.Disclosures = append(pg.Disclosures, disclosureLink{ID: id, URL: fmt.Sprintf("%s/public/plans/%d", pg.BaseURL, id)})
	}
	if err := r.page.Execute(w, pg); err != nil {
		return fmt.Errorf("render bulletin %s: %w", b.Period, err)
	}
	return nil
}

// JSON writes the bulletin's figures as indented JSON.
func JSON(w io.Writer, b *Bulletin) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// periodLabel names the period in words: 2026年第4季度, 2026, Q4.
func periodLabel(b *Bulletin, t lexicon) string {
	year := b.Period[:4]
	switch b.Kind {
	case KindQuarter:
		return t.T("period_quarter", year, b.Period[5:])
	case KindMonth:
		if t["lang"] == LangEN {
			return monthLabel(b.Period, true, t)
		}
		return t.T("period_month", year, strings.TrimPrefix(b.Period[5:], "0"))
	}
	return t.T("period_year", year)
}

// stabilityStatus is the stability's status word key: the row's own
// status when it is one of the stability statuses, else stable or
// unstable.
func stabilityStatus(s sampling.StabilityRow) string {
	return s.Status
}

// stabilityRule says in words over which periods stability is judged.
func stabilityRule(s sampling.StabilityRow, lang string) string {
	n, quarters := len(s.Periods), len(s.Periods) > 0 && strings.Contains(s.Periods[0].Period, "Q")
	switch {
	case lang == LangEN && quarters:
		return fmt.Sprintf("in each of the last %d quarters", n)
	case lang == LangEN:
		return fmt.Sprintf("in each of the last %d months", n)
	case quarters:
		return fmt.Sprintf("近%d个季度每季度", n)
	}
	return fmt.Sprintf("近%d个月每月", n)
}

// changeLines states the changes since the previous period.
func changeLines(b *Bulletin, t lexicon) []string {
	var out []string
	for _, c := range b.Changes {
		tier := t.Tier(c.Tier)
		switch c.Kind {
		case ChangeTierUp, ChangeTierDown:
			key := map[string]string{ChangeTierUp: "ch_tier_up", ChangeTierDown: "ch_tier_down"}[c.Kind]
			out = append(out, t.T(key, tier, pct(c.After), pct(c.Before), b.Previous, pct(c.Target)))
		case ChangeCountyUp, ChangeCountyDown:
			key := map[string]string{ChangeCountyUp: "ch_county_up", ChangeCountyDown: "ch_county_down"}[c.Kind]
			out = append(out, t.T(key, c.County, tier, pct(c.After), pct(c.Before), pct(c.Target)))
		case ChangeFall:
			out = append(out, t.T("ch_fall", c.Name, tier, pct(c.Before), pct(c.After), fmt.Sprintf("%.1f", 100*(c.Before-c.After))))
		}
	}
	return out
}
