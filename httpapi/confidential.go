package httpapi

import (
	"slices"

	"spotcheck/sampling"
)

// confidential hides what the caller may not see of a plan. Until a plan
// closes, its seed (from which anyone holding the registry could re-derive
// the tasks) is for admins only, and so are its tasks, except that an
// inspector sees its own.
func confidential(p *sampling.Plan, who principal) {
	if who.admin() || p.Status == sampling.PlanClosed {
		return
	}
	p.Seed = ""
	own := p.Tasks[:0:0]
	for _, t := range p.Tasks {
		if who.inspector() != "" && slices.Contains(t.Inspectors, who.inspector()) {
			own = append(own, t)
		}
	}
	p.Tasks = own
}
