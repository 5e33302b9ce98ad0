package config

import (
	"slices"
	"time"

	"spotcheck/sampling"
)

// resolveScope checks the schedule's county and category limits against
// its industry's categories (nil when the industry is unknown).
func (s *Schedule) resolveScope(p *problems, at func(string) []any, categories map[string]bool) {
	for j, c := range s.Categories {
		if categories != nil && !categories[c] {
			p.add(append(at("categories"), j), "category %q is not a category of industry %q", c, s.Industry)
		}
		if slices.Contains(s.Categories[:j], c) {
			p.add(append(at("categories"), j), "duplicate category %q", c)
		}
	}
	for j, c := range s.Counties {
		if c == "" {
			p.add(append(at("counties"), j), "county must not be empty")
		}
		if slices.Contains(s.Counties[:j], c) {
			p.add(append(at("counties"), j), "duplicate county %q", c)
		}
	}
}

// Design returns what the schedule asks of the draw for a fire at nominal:
// the sampling design of its industry ind, with the due date in the
// schedule's time zone.
func (s *Schedule) Design(ind *Industry, nominal time.Time) sampling.Design {
	d := sampling.Design{
		Industry:             s.Industry,
		Categories:           map[string]sampling.CategoryRule{},
		Counties:             s.Counties,
		Strata:               []string{},
		Allocation:           s.Allocation,
		Batches:              s.Batches,
		Fraction:             s.Fraction,
		MinPerStratum:        s.MinPerStratum,
		NoRepeatSeconds:      int64(time.Duration(s.NoRepeat) / time.Second),
		RiskWeights:          s.RiskWeights,
		FailBoost:            s.FailBoost,
		InspectorsPerTask:    s.InspectorsPerTask,
		CrossCounty:          s.CrossCounty,
		MaxTasksPerInspector: s.MaxTasksPerInspector,
		Due:                  sampling.DayOf(nominal.Add(time.Duration(s.Due)), s.Location),
	}
	if s.Strata != nil {
		d.Strata = *s.Strata
	}
	for _, c := range ind.Categories {
		if len(s.Categories) == 0 || slices.Contains(s.Categories, c.ID) {
			d.Categories[c.ID] = sampling.CategoryRule{Tier: c.Tier, Quantity: sampling.Quantity{Test: c.Quantity.Test, Backup: c.Quantity.Backup}}
		}
	}
	return d
}
