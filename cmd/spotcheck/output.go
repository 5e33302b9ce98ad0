package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"

	"spotcheck/config"
	"spotcheck/sampling"
)

// table writes rows with columns aligned by display width: a Chinese
// character takes two columns of a terminal, so padding by rune count (as
// text/tabwriter does) leaves such columns ragged. Columns are two spaces
// apart; the last cell of a row is not padded.
type table struct {
	w    io.Writer
	rows [][]string
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// cellWidth is the display width of s: East Asian wide and fullwidth
// characters count two, ambiguous ones one (as in a terminal set for
// Chinese with a Western font), whatever the locale of the process.
func cellWidth(s string) int {
	return (&runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}).StringWidth(s)
}

func (t *table) flush() error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cellWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-cellWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	t.rows = nil
	_, err := io.WriteString(t.w, b.String())
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 2, 64) + "%" }

// printPlan writes a plan as a table, JSON or CSV.
func printPlan(w io.Writer, p sampling.Plan, cfg *config.Config, format string) error {
	cfg.Localize(&p)
	switch format {
	case "json":
		return writeJSON(w, p)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"task_id", "credit_code", "enterprise", "county", "category", "tier", "inclusion_probability", "inspectors", "due", "status",
			"stratum", "test_pieces", "backup_pieces"})
		for _, t := range p.Tasks {
			cw.Write([]string{strconv.FormatInt(t.ID, 10), t.CreditCode, t.Enterprise, t.County, t.Category, t.Tier,
				strconv.FormatFloat(t.InclusionProbability, 'g', -1, 64), strings.Join(t.Inspectors, ";"), t.Due.String(), t.Status,
				t.Stratum, strconv.Itoa(t.Quantity.Test), strconv.Itoa(t.Quantity.Backup)})
		}
		cw.Flush()
		return cw.Error()
	}
	id := "(dry run, not stored)"
	if p.ID != 0 {
		id = strconv.FormatInt(p.ID, 10)
	}
	fmt.Fprintf(w, "plan %s: schedule %s, industry %s, %s fire at %s, %s\n", id, p.Schedule, p.Industry, p.Kind,
		p.NominalTime.Format(tableSeconds), p.Status)
	fmt.Fprintf(w, "algorithm %s, frame %d eligible units, %d excluded by no_repeat (digest %s)\nseed %s\n", p.Algorithm, p.FrameSize, p.Excluded, p.FrameDigest, p.Seed)
	if p.SeedSource != "" {
		fmt.Fprintf(w, "seed source %q (the seed is its SHA-256)\n", p.SeedSource)
	}
	fmt.Fprintf(w, "commitment %s\n\n", p.Commitment)
	if len(p.Strata) > 0 {
		if err := printStrata(w, p.Strata); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	t := newTable(w, "TASK", "CREDIT CODE", "ENTERPRISE", "COUNTY", "CATEGORY", "TIER", "P(INCL)", "INSPECTORS", "PIECES", "DUE", "STATUS")
	for _, task := range p.Tasks {
		t.row(strconv.FormatInt(task.ID, 10), task.CreditCode, task.Enterprise, task.County, task.Category, task.Tier,
			strconv.FormatFloat(task.InclusionProbability, 'f', 4, 64), strings.Join(task.Inspectors, ", "),
			fmt.Sprintf("%d+%d", task.Quantity.Test, task.Quantity.Backup), task.Due.String(), task.Status)
	}
	return t.flush()
}

// tableTime is how tables show a moment: in the configured zone, with its
// offset, so that a reader elsewhere (or a server in UTC) is not misled.
const (
	tableTime    = "2006-01-02 15:04 -07:00"
	tableSeconds = "2006-01-02 15:04:05 -07:00"
)
