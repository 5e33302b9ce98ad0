package bulletin

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"os"
	"strings"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// CJKFonts are the font files searched for the charts' Chinese text, in
// order; Debian's fonts-noto-cjk installs the first.
func CJKFonts() []string {
	return []string{
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
		"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
		"/System/Library/Fonts/PingFang.ttc",
	}
}

// fontStack is the CSS font family list of text in charts and pages: the
// measuring font first, then what Chinese systems have.
const fontStack = `"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif`

// typeface is the name charts ask their font cache for.
const typeface = "bulletin"

// Colours of the charts.
var (
	colRate   = color.RGBA{0x1f, 0x4e, 0x99, 0xff}
	colBand   = color.NRGBA{0x1f, 0x4e, 0x99, 0x38}
	colTarget = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
	colMet    = color.RGBA{0x4a, 0x7f, 0xc1, 0xff}
	colBelow  = color.RGBA{0xd9, 0x6c, 0x3b, 0xff}
	colGrid   = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
)

// loadFonts returns a font cache whose default face can measure Chinese
// text: the first of paths that reads and parses, or the Liberation fonts
// (which cannot, so labels may be placed less well) when none does.
func loadFonts(paths []string) (*font.Cache, string, error) {
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if face, name, err := pickFace(data); err == nil {
			return font.NewCache(font.Collection{{Font: font.Font{Typeface: typeface}, Face: face}}), name, nil
		}
	}
	lib := liberation.Collection()
	for _, f := range lib {
		if f.Font.Variant == "Sans" && f.Font.Style == 0 && f.Font.Weight == 0 {
			return font.NewCache(font.Collection{{Font: font.Font{Typeface: typeface}, Face: f.Face}}), "Liberation Sans", nil
		}
	}
	return nil, "", fmt.Errorf("no font for the charts")
}

// pickFace returns the Simplified Chinese face of a font collection (or the
// font of a single-font file) and its family name.
func pickFace(data []byte) (*opentype.Font, string, error) {
	coll, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, "", err
	}
	var buf sfnt.Buffer
	var first *opentype.Font
	var firstName string
	for i := range coll.NumFonts() {
		f, err := coll.Font(i)
		if err != nil {
			return nil, "", err
		}
		name, err := f.Name(&buf, sfnt.NameIDFamily)
		if err != nil {
			return nil, "", err
		}
		if strings.HasSuffix(name, " SC") {
			return f, name, nil
		}
		if first == nil {
			first, firstName = f, name
		}
	}
	if first == nil {
		return nil, "", fmt.Errorf("no font in the file")
	}
	return first, firstName, nil
}

// newPlot returns a plot titled title whose texts all use the renderer's
// fonts.
func (r *Renderer) newPlot(title string) *plot.Plot {
	p := plot.New()
	h := text.Plain{Fonts: r.fonts}
	p.TextHandler = h
	set := func(s *text.Style, size vg.Length) {
		s.Handler = h
		s.Font = font.Font{Typeface: typeface, Size: size}
	}
	set(&p.Title.TextStyle, 11)
	set(&p.X.Label.TextStyle, 9)
	set(&p.Y.Label.TextStyle, 9)
	set(&p.X.Tick.Label, 8)
	set(&p.Y.Tick.Label, 8)
	set(&p.Legend.TextStyle, 8)
	p.Title.Text = title
	p.Title.Padding = 6
	return p
}

// svg draws p as an inline SVG element of w by h.
func (r *Renderer) svg(p *plot.Plot, w, h vg.Length) (template.HTML, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("draw chart: %w", err)
	}
	s := buf.String()
	// Inline in HTML: drop the XML prolog, scale with the page, and let
	// the browser fall back to the Chinese fonts it has.
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	s = strings.Replace(s, "<svg ", `<svg class="chart" role="img" aria-label="`+template.HTMLEscapeString(p.Title.Text)+`" `, 1)
	s = strings.ReplaceAll(s, "font-family:"+r.family+";", "font-family:"+strings.ReplaceAll(fontStack, `"`, "'")+";")
	return template.HTML(s), nil
}

// percentTicks marks a ratio axis in whole percent, up to max when it is
// set.
type percentTicks struct{ max float64 }

func (pt percentTicks) Ticks(lo, hi float64) []plot.Tick {
	if pt.max > 0 {
		hi = math.Min(hi, pt.max)
	}
	step := 0.01
	for (hi-lo)/step > 8 {
		switch {
		case step < 0.02:
			step = 0.02
		case step < 0.05:
			step = 0.05
		default:
			step *= 2
		}
	}
	var out []plot.Tick
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+1e-9; v += step {
		out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f%%", math.Abs(100*v))})
	}
	return out
}

// axisFloor returns the lowest value a rate axis shows: a little below
// the lowest of vals, in whole 5 percent, and at most 80%.
func axisFloor(vals ...float64) float64 {
	lo := 0.8
	for _, v := range vals {
		lo = math.Min(lo, v)
	}
	return math.Max(0, math.Floor((lo-0.02)*20)/20)
}

// trendChart draws a tier's monthly rates with the bounds as a band and
// the target as a dashed line.
func (r *Renderer) trendChart(s TrendSeries, title string, t lexicon) (template.HTML, error) {
	p := r.newPlot(title)
	labels := make([]string, len(s.Points))
	vals := []float64{s.Target}
	for i, pt := range s.Points {
		labels[i] = monthLabel(pt.Month, i == 0, t)
		if pt.Rate != nil {
			vals = append(vals, pt.Rate.Lower)
		}
	}
	p.NominalX(labels...)
	p.Y.Min, p.Y.Max = axisFloor(vals...), 1
	p.Y.Tick.Marker = percentTicks{}
	p.Add(&plotter.Grid{Horizontal: draw.LineStyle{Color: colGrid, Width: vg.Points(0.5)}})
	// Bands and lines over each run of months with batches.
	var run plotter.XYs
	var lo, hi plotter.XYs
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		if len(run) == 1 {
			// A lone month: its band is a short box around the point.
			x := run[0].X
			lo = plotter.XYs{{X: x - 0.2, Y: lo[0].Y}, {X: x + 0.2, Y: lo[0].Y}}
			hi = plotter.XYs{{X: x - 0.2, Y: hi[0].Y}, {X: x + 0.2, Y: hi[0].Y}}
		}
		band := append(plotter.XYs{}, lo...)
		for i := len(hi) - 1; i >= 0; i-- {
			band = append(band, hi[i])
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return err
		}
		poly.Color, poly.LineStyle.Width = colBand, 0
		line, points, err := plotter.NewLinePoints(run)
		if err != nil {
			return err
		}
		line.Color, line.Width = colRate, vg.Points(1.5)
		points.Color, points.Shape, points.Radius = colRate, draw.CircleGlyph{}, vg.Points(2)
		p.Add(poly, line, points)
		run, lo, hi = nil, nil, nil
		return nil
	}
	for i, pt := range s.Points {
		if pt.Rate == nil {
			if err := flush(); err != nil {
				return "", err
			}
			continue
		}
		x := float64(i)
		run = append(run, plotter.XY{X: x, Y: pt.Rate.Rate})
		lo = append(lo, plotter.XY{X: x, Y: pt.Rate.Lower})
		hi = append(hi, plotter.XY{X: x, Y: pt.Rate.Upper})
	}
	if err := flush(); err != nil {
		return "", err
	}
	target, err := plotter.NewLine(plotter.XYs{{X: -0.3, Y: s.Target}, {X: float64(len(s.Points)) - 0.7, Y: s.Target}})
	if err != nil {
		return "", err
	}
	target.Color, target.Width, target.Dashes = colTarget, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(target)
	p.X.Min, p.X.Max = -0.5, float64(len(s.Points))-0.5
	return r.svg(p, 17*vg.Centimeter, 6.2*vg.Centimeter)
}

// monthLabel labels a month on a trend's axis: the year shown on the first
// month and on each January.
func monthLabel(month string, first bool, t lexicon) string {
	year, mo := month[:4], strings.TrimPrefix(month[5:], "0")
	if t["lang"] == LangEN {
		names := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
		var n int
		fmt.Sscan(mo, &n)
		if first || n == 1 {
			return names[n-1] + " " + year
		}
		return names[n-1]
	}
	if first || mo == "1" {
		return year + "年" + mo + "月"
	}
	return mo + "月"
}

// barChart draws the rates of rows as horizontal bars, worst on top, each
// with its target marked; bars below target are coloured apart.
func (r *Renderer) barChart(rows []GroupRow, label func(GroupRow) string, title string, t lexicon) (template.HTML, error) {
	p := r.newPlot(title)
	names := make([]string, len(rows))
	vals := []float64{}
	for i, row := range rows {
		names[len(rows)-1-i] = label(row)
		vals = append(vals, row.Rate, row.Target)
	}
	p.NominalY(names...)
	// Room right of 100% for the figures written after the bars.
	p.X.Min, p.X.Max = axisFloor(vals...), 1
	p.X.Max += (p.X.Max - p.X.Min) * 0.3
	p.X.Tick.Marker = percentTicks{max: 1}
	p.Add(&plotter.Grid{Vertical: draw.LineStyle{Color: colGrid, Width: vg.Points(0.5)}})
	count := func(n int) string { return t.T("bar_count", n) }
	p.Add(&hbars{rows: rows, min: p.X.Min, style: p.Y.Tick.Label, count: count})
	p.Y.Min, p.Y.Max = -0.6, float64(len(rows))-0.4
	h := vg.Length(len(rows))*vg.Points(17) + vg.Points(80)
	return r.svg(p, 17*vg.Centimeter, h)
}

// hbars draws bars from the axis minimum to each row's rate, the top bar
// being the first row, with the rate written after the bar and a mark at
// the target.
type hbars struct {
	rows  []GroupRow
	min   float64
	style text.Style
	count func(batches int) string
}

func (b *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	n := len(b.rows)
	half := vg.Points(6)
	for i, row := range b.rows {
		y := ty(float64(n - 1 - i))
		x0, x1 := tx(b.min), tx(row.Rate)
		col := colMet
		if row.Rate < row.Target {
			col = colBelow
		}
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y - half}, {X: x1, Y: y - half}, {X: x1, Y: y + half}, {X: x0, Y: y + half}})
		xt := tx(row.Target)
		c.StrokeLine2(draw.LineStyle{Color: colTarget, Width: vg.Points(1.5)}, xt, y-half-vg.Points(2), xt, y+half+vg.Points(2))
		sty := b.style
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
		c.FillText(sty, vg.Point{X: max(x1, xt) + vg.Points(4), Y: y}, pct(row.Rate)+" "+b.count(row.Batches))
	}
}

func (b *hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return b.min, 1, -0.5, float64(len(b.rows)) - 0.5
}

// groupLabel names a bar: the group, and its tier when the chart mixes
// tiers.
func groupLabel(rows []GroupRow, t lexicon) func(GroupRow) string {
	tiers := map[string]bool{}
	for _, r := range rows {
		tiers[r.Tier] = true
	}
	return func(r GroupRow) string {
		if len(tiers) > 1 {
			return r.Name + " · " + t.Tier(r.Tier)
		}
		return r.Name
	}
}
