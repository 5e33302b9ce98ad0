package main

import (
	"fmt"
	"slices"
	"strings"

	"spotcheck/sampling"
)

// cmdAQL prints the ISO 2859-1 (GB/T 2828.1) single sampling plan for
// normal inspection of a lot.
func cmdAQL(args []string, e env) error {
	c := newCommand("aql", "aql --lot N [--level S-1|S-2|S-3|S-4|I|II|III] --aql A [--format table|json]", e)
	lot := c.fs.Int("lot", 0, "lot (batch) size, in items")
	level := c.fs.String("level", "II", "inspection level: S-1 to S-4 (special) or I, II, III (general)")
	aqlText := c.fs.String("aql", "", "acceptance quality limit of Table 2-A: 0.010 … 10 in percent nonconforming, 15 … 1000 in nonconformities per 100 items")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	// Report every problem of the command line at once.
	var errs []string
	if *lot < 2 {
		errs = append(errs, fmt.Sprintf("--lot %d: give the lot size, at least 2", *lot))
	}
	lv := strings.ToUpper(*level)
	if !slices.Contains(sampling.AQLLevels, lv) {
		errs = append(errs, fmt.Sprintf("--level %q: want one of %s", *level, strings.Join(sampling.AQLLevels, ", ")))
	}
	aql, err := sampling.ParseAQL(*aqlText)
	if err != nil {
		errs = append(errs, "--aql: "+err.Error())
	}
	if len(errs) > 0 {
		return usageError("aql: %s", strings.Join(errs, "; "))
	}
	p, err := sampling.SingleSamplingPlan(*lot, lv, aql)
	if err != nil {
		return usageError("aql: %v", err)
	}
	if *format == "json" {
		return writeJSON(e.stdout, p)
	}
	w := e.stdout
	aqlShown := strings.TrimSpace(*aqlText)
	fmt.Fprintf(w, "lot size %d, inspection level %s, AQL %s: single sampling, normal inspection (ISO 2859-1 / GB/T 2828.1)\n", p.LotSize, p.Level, aqlShown)
	fmt.Fprintf(w, "sample size code letter  %s\n", p.CodeLetter)
	if p.PlanLetter != p.CodeLetter {
		dir := "below"
		if p.PlanLetter < p.CodeLetter {
			dir = "above"
		}
		fmt.Fprintf(w, "                         Table 2-A has no plan for %s at AQL %s: the arrow points to the first plan %s, letter %s\n",
			p.CodeLetter, aqlShown, dir, p.PlanLetter)
	}
	fmt.Fprintf(w, "sample size n            %d\n", p.SampleSize)
	fmt.Fprintf(w, "acceptance number Ac     %d\n", p.Accept)
	fmt.Fprintf(w, "rejection number Re      %d\n", p.Reject)
	if p.FullInspection {
		fmt.Fprintln(w, "the sample size reaches the lot size: inspect every item (100% inspection)")
	}
	return nil
}
