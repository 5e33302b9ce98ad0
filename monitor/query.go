package monitor

import (
	"fmt"
	"slices"
	"strings"

	"spotcheck/config"
	"spotcheck/sampling"
)

// CheckQuery checks a rates query (spotcheck rates, GET /api/v1/rates)
// against the configuration, listing every problem with the parameter it
// concerns: window, by, industry and county. An empty value is no filter.
// The county must be valid text and, when the configuration lists its
// counties, one of them; without that list any county is a filter, which
// may match nothing.
func CheckQuery(cfg *config.Config, window string, opts sampling.RateOptions) []sampling.FieldError {
	var errs []sampling.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, sampling.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if window != "" && !slices.Contains(cfg.Windows, window) {
		add("window", "%q is not a configured window (%s)", window, strings.Join(cfg.Windows, ", "))
	}
	if opts.By != "" && !slices.Contains(Groupings(), opts.By) {
		add("by", "%q is not %s", opts.By, strings.Join(Groupings()[:len(Groupings())-1], ", ")+" or "+Groupings()[len(Groupings())-1])
	}
	if e := sampling.CheckText("industry", opts.Industry); e != nil {
		errs = append(errs, *e)
	} else if opts.Industry != "" && cfg.Industry(opts.Industry) == nil {
		var known []string
		for _, ind := range cfg.Industries {
			known = append(known, ind.ID)
		}
		add("industry", "%q is not a configured industry (%s)", opts.Industry, knownList(known))
	}
	if e := sampling.CheckText("county", opts.County); e != nil {
		errs = append(errs, *e)
	} else if opts.County != "" && len(cfg.Counties) > 0 && !slices.Contains(cfg.Counties, opts.County) {
		add("county", "%q is not a county of the configuration (%s)", opts.County, knownList(cfg.Counties))
	}
	return errs
}

// knownList names the known values for an error message.
func knownList(known []string) string {
	if len(known) == 0 {
		return "none configured"
	}
	return "known: " + strings.Join(known, ", ")
}
