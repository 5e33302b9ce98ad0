package config

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"spotcheck/beacon"
	"spotcheck/sampling"
)

// idPattern is what industry, category and schedule ids may look like: they
// appear in URLs, metric labels and file names.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// problems collects validation errors, each naming the file, line and field.
type problems struct {
	file string
	root *yaml.Node
	errs []error
}

func (p *problems) add(path []any, format string, args ...any) {
	field := fieldName(path)
	where := p.file
	if line := lineOf(p.root, path); line > 0 {
		where += ":" + strconv.Itoa(line)
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", where, field, fmt.Sprintf(format, args...)))
}

// resolve fills in defaults and validates; root, when not nil, gives lines.
func (c *Config) resolve(file string, root *yaml.Node) error {
	p := &problems{file: file, root: root}
	if c.Timezone == "" && !p.given([]any{"timezone"}) {
		c.Timezone = "Asia/Shanghai"
	}
	loc, err := LoadZone(c.Timezone)
	if err != nil {
		p.add([]any{"timezone"}, "%v", err)
		loc = time.UTC
	}
	c.Location = loc

	tiers := DefaultTiers()
	// Sorted, so that problems are reported in a stable order.
	for _, name := range slices.Sorted(maps.Keys(c.Tiers)) {
		t := c.Tiers[name]
		path := []any{"tiers", name}
		if !idPattern.MatchString(name) {
			p.add(path, "tier name %q: use lowercase letters, digits, - and _", name)
		}
		if t.Aggregate == "" {
			t.Aggregate = sampling.AggregatePooled
			if d, ok := tiers[name]; ok {
				t.Aggregate = d.Aggregate
			}
		}
		periods := append(append([]any{}, path...), "stability", "periods")
		if t.Stability.Periods == 0 && t.Stability.Period == "" && !p.given(periods) {
			if d, ok := tiers[name]; ok {
				t.Stability.Periods, t.Stability.Period = d.Stability.Periods, d.Stability.Period
			}
		}
		if t.Stability.Period == "" && t.Stability.Periods > 0 {
			t.Stability.Period = sampling.PeriodQuarter
		}
		switch n := t.Stability.Periods; {
		case n < 0 || n > 40:
			p.add(periods, "%d is outside 0 to 40", n)
		case n == 0 && p.given(periods):
			p.add(periods, "must be at least 1 (leave stability out for none)")
		}
		if t.Stability.Period != "" && t.Stability.Period != sampling.PeriodQuarter && t.Stability.Period != sampling.PeriodMonth {
			p.add(append(path, "stability", "period"), "unknown period %q (want quarter or month)", t.Stability.Period)
		}
		if t.Target <= 0 || t.Target > 1 {
			p.add(append(path, "target"), "target %v is outside (0, 1]", t.Target)
		}
		if t.Aggregate != sampling.AggregatePooled && t.Aggregate != sampling.AggregateCategoryMean {
			p.add(append(path, "aggregate"), "unknown aggregate %q (want pooled or category_mean)", t.Aggregate)
		}
		tiers[name] = t
	}
	c.Tiers = tiers

	if len(c.Windows) == 0 {
		c.Windows = []string{"30d", "90d", "365d", "ytd"}
	}
	seenWindow := map[string]bool{}
	c.windows = make([]sampling.Window, 0, len(c.Windows))
	for i, w := range c.Windows {
		win, err := parseWindow(w)
		if err != nil {
			p.add([]any{"windows", i}, "%v", err)
		}
		c.windows = append(c.windows, win)
		if seenWindow[w] {
			p.add([]any{"windows", i}, "duplicate window %q", w)
		}
		seenWindow[w] = true
	}
	orDefault(p, []any{"min_batches"}, &c.MinBatches, 30) // min_batches: 0 drops the minimum
	if c.MinBatches < 0 {
		p.add([]any{"min_batches"}, "must not be negative")
	}
	orDefault(p, []any{"min_category_batches"}, &c.MinCategoryBatches, DefaultMinCategoryBatches)
	if c.MinCategoryBatches < 0 {
		p.add([]any{"min_category_batches"}, "must not be negative")
	}
	orDefault(p, []any{"max_pause"}, &c.MaxPause, DefaultMaxPause)
	if c.MaxPause <= 0 {
		p.add([]any{"max_pause"}, "must be positive, such as 7d")
	}
	c.resolveTierSignals(p)

	industries := map[string]map[string]bool{}
	for i, ind := range c.Industries {
		path := []any{"industries", i}
		checkID(p, append(path, "id"), "industry", ind.ID)
		if e := sampling.CheckText("name", ind.Name); e != nil {
			p.add(append(path, "name"), "%s", e.Reason)
		}
		if industries[ind.ID] != nil {
			p.add(append(path, "id"), "duplicate industry id %q", ind.ID)
		}
		industries[ind.ID] = map[string]bool{}
		orDefault(p, append(path, "objection_period"), &c.Industries[i].ObjectionPeriod, DefaultObjectionPeriod)
		if op := time.Duration(c.Industries[i].ObjectionPeriod); op <= 0 || op%(24*time.Hour) != 0 || op > 365*24*time.Hour {
			p.add(append(path, "objection_period"), "%s: want whole days from 1d to 365d, such as 15d", Duration(op))
		}
		if len(ind.Categories) == 0 {
			p.add(append(path, "categories"), "industry %q has no categories", ind.ID)
		}
		cats := map[string]bool{}
		for j, cat := range ind.Categories {
			cpath := append(append([]any{}, path...), "categories", j)
			checkID(p, append(cpath, "id"), "category", cat.ID)
			if e := sampling.CheckText("name", cat.Name); e != nil {
				p.add(append(cpath, "name"), "%s", e.Reason)
			}
			if cats[cat.ID] {
				p.add(append(cpath, "id"), "duplicate category id %q in industry %q", cat.ID, ind.ID)
			}
			cats[cat.ID] = true
			industries[ind.ID][cat.ID] = true
			if _, ok := c.Tiers[cat.Tier]; !ok {
				p.add(append(cpath, "tier"), "unknown tier %q (known: %s)", cat.Tier, strings.Join(tierNames(c.Tiers), ", "))
			}
			if cat.Quantity.Test < 0 || cat.Quantity.Backup < 0 {
				p.add(append(cpath, "quantity"), "quantities must not be negative")
			}
		}
	}

	c.Notifications.resolve(p)

	for i, county := range c.Counties {
		if e := sampling.CheckText("county", county); e != nil {
			p.add([]any{"counties", i}, "%s", e.Reason)
		} else if strings.TrimSpace(county) == "" {
			p.add([]any{"counties", i}, "county must not be empty")
		} else if slices.Contains(c.Counties[:i], county) {
			p.add([]any{"counties", i}, "duplicate county %q", county)
		}
	}

	names := map[string]bool{}
	for i := range c.Schedules {
		c.Schedules[i].resolve(p, []any{"schedules", i}, loc, industries)
		s := &c.Schedules[i]
		if names[s.Name] {
			p.add([]any{"schedules", i, "name"}, "duplicate schedule name %q", s.Name)
		}
		names[s.Name] = true
		for j, county := range s.Counties {
			if len(c.Counties) > 0 && !slices.Contains(c.Counties, county) {
				p.add([]any{"schedules", i, "counties", j}, "%q is not a county of the configuration (known: %s)", county, strings.Join(c.Counties, ", "))
			}
		}
	}
	return errors.Join(p.errs...)
}

// resolveTierSignals fills in and checks each tier's alert window and the
// minimum batches of its stability periods, which default to settings
// resolved after the tiers: the windows and min_batches.
func (c *Config) resolveTierSignals(p *problems) {
	def := ""
	longest := 0
	for _, w := range c.windows {
		if w.Name == "365d" {
			def = w.Name
			break
		}
		if !w.YTD && w.Days > longest {
			def, longest = w.Name, w.Days
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Tiers)) {
		t := c.Tiers[name]
		path := []any{"tiers", name}
		if t.AlertWindow == "" {
			t.AlertWindow = def
		}
		if !slices.Contains(c.Windows, t.AlertWindow) {
			p.add(append(path, "alert_window"), "%q is not a configured window (%s)", t.AlertWindow, strings.Join(c.Windows, ", "))
		}
		if t.Stability.Periods > 0 {
			orDefault(p, append(path, "stability", "min_batches"), &t.Stability.MinBatches, max(c.MinBatches, 0))
			if t.Stability.MinBatches < 0 {
				p.add(append(path, "stability", "min_batches"), "must not be negative")
			}
		}
		c.Tiers[name] = t
	}
}

// AlertWindows returns each tier's alert window.
func (c *Config) AlertWindows() map[string]string {
	m := make(map[string]string, len(c.Tiers))
	for name, t := range c.Tiers {
		m[name] = t.AlertWindow
	}
	return m
}

func (s *Schedule) resolve(p *problems, path []any, loc *time.Location, industries map[string]map[string]bool) {
	at := func(field string) []any { return append(append([]any{}, path...), field) }
	checkID(p, at("name"), "schedule", s.Name)
	if industries[s.Industry] == nil {
		p.add(at("industry"), "unknown industry %q", s.Industry)
	}
	s.resolveScope(p, at, industries[s.Industry])
	s.Location = loc
	if s.Timezone != "" || p.given(at("timezone")) {
		l, err := LoadZone(s.Timezone)
		if err != nil {
			p.add(at("timezone"), "%v", err)
		} else {
			s.Location = l
		}
	}
	spec, err := ParseCron(s.Cron, s.Location)
	if err != nil {
		p.add(at("cron"), "%v", err)
	} else if err := spec.firesSoon(s.Cron); err != nil {
		p.add(at("cron"), "%v", err)
		spec = nil
	}
	s.Spec = spec
	switch {
	case s.Batches < 0:
		p.add(at("batches"), "must not be negative")
	case s.Batches > 0 && s.Fraction != 0:
		p.add(at("fraction"), "give batches or fraction, not both")
	case s.Batches == 0 && (s.Fraction <= 0 || s.Fraction > 1):
		p.add(at("batches"), "give batches: N (N > 0) or fraction: f (0 < f <= 1)")
	}
	if s.Strata == nil {
		s.Strata = &[]string{"county", "category"}
	}
	for j, st := range *s.Strata {
		if st != "county" && st != "category" {
			p.add(append(at("strata"), j), "unknown stratum %q (want county or category)", st)
		}
	}
	if s.Allocation == "" {
		s.Allocation = "proportional"
	}
	if s.Allocation != "proportional" && s.Allocation != "equal" && s.Allocation != "neyman" {
		p.add(at("allocation"), "unknown allocation %q (want proportional, equal or neyman)", s.Allocation)
	}
	if s.MinPerStratum < 0 {
		p.add(at("min_per_stratum"), "must not be negative")
	}
	orDefault(p, at("no_repeat"), &s.NoRepeat, Duration(180*24*time.Hour)) // no_repeat: 0d turns the rule off
	// Classes left out keep their default weight.
	weights := map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8}
	for class, w := range s.RiskWeights {
		weights[class] = w
		if class != "A" && class != "B" && class != "C" && class != "D" {
			p.add(append(at("risk_weights"), class), "unknown risk class %q (want A, B, C or D)", class)
		}
		if w <= 0 {
			p.add(append(at("risk_weights"), class), "weight %v must be positive", w)
		}
	}
	s.RiskWeights = weights
	orDefault(p, at("fail_boost"), &s.FailBoost, 2)
	if s.FailBoost < 1 {
		p.add(at("fail_boost"), "boost %v must be at least 1 (1 means no boost)", s.FailBoost)
	}
	orDefault(p, at("inspectors_per_task"), &s.InspectorsPerTask, 2)
	if s.InspectorsPerTask < 1 {
		p.add(at("inspectors_per_task"), "must be positive")
	}
	if s.MaxTasksPerInspector < 0 {
		p.add(at("max_tasks_per_inspector"), "must not be negative (0 means no cap)")
	}
	orDefault(p, at("due"), &s.Due, Duration(30*24*time.Hour))
	if s.Due <= 0 {
		p.add(at("due"), "must be positive, such as 30d")
	}
	if s.CatchUp == "" {
		s.CatchUp = CatchUpLatest
	}
	if s.CatchUp != CatchUpNone && s.CatchUp != CatchUpLatest && s.CatchUp != CatchUpAll {
		p.add(at("catch_up"), "unknown policy %q (want none, latest or all)", s.CatchUp)
	}
	orDefault(p, at("max_catch_up"), &s.MaxCatchUp, 10)
	if s.MaxCatchUp < 1 {
		p.add(at("max_catch_up"), "must be positive")
	}
	if s.Overlap == "" {
		s.Overlap = sampling.OverlapBuffer
	}
	if !s.Overlap.Valid() {
		p.add(at("overlap"), "unknown policy %q (want buffer or skip)", s.Overlap)
	}
	s.resolveBeacon(p, at)
}

// resolveBeacon checks the schedule's seed source and beacon.
func (s *Schedule) resolveBeacon(p *problems, at func(string) []any) {
	if s.Seed == "" {
		s.Seed = SeedSystem
	}
	switch {
	case s.Seed != SeedSystem && s.Seed != SeedBeacon:
		p.add(at("seed"), "unknown seed source %q (want system or beacon)", s.Seed)
		return
	case s.Seed == SeedSystem && s.Beacon != nil:
		p.add(at("beacon"), "a beacon is used only with seed: beacon")
		return
	case s.Seed == SeedBeacon && s.Beacon == nil:
		p.add(at("seed"), "seed: beacon needs a beacon: {kind: drand} or {kind: text, description: …, template: …, after: …}")
		return
	case s.Beacon == nil:
		return
	}
	b := s.Beacon
	bat := func(field string) []any { return append(at("beacon"), field) }
	switch b.Kind {
	case "drand":
		if b.Chain == "" {
			b.Chain = beacon.Quicknet().Name
		}
		if b.Chain != beacon.Quicknet().Name {
			p.add(bat("chain"), "unknown drand chain %q (want quicknet)", b.Chain)
		}
		if len(b.Relays) == 0 {
			b.Relays = DefaultRelays
		}
		for j, u := range b.Relays {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				p.add(append(bat("relays"), j), "relay %q: want an https:// URL", u)
			}
		}
		orDefault(p, bat("delay"), &b.Delay, Duration(10*time.Minute))
		if b.Delay < Duration(time.Minute) {
			p.add(bat("delay"), "%s: want at least 1m, so that the announcement is public well before the round", time.Duration(b.Delay))
		}
		orDefault(p, bat("max_wait"), &b.MaxWait, Duration(time.Hour))
		for _, f := range []string{"description", "template", "after"} {
			if p.given(bat(f)) {
				p.add(bat(f), "only a text beacon has %s", f)
			}
		}
	case "text":
		if strings.TrimSpace(b.Description) == "" {
			p.add(bat("description"), "say which public result will be read, such as 中国福利彩票双色球开奖号码")
		}
		if _, err := beacon.ParseTemplate(b.Template); err != nil {
			p.add(bat("template"), "%v", err)
		}
		if b.After <= 0 {
			p.add(bat("after"), "give how long after the fire the result is public, such as 2d")
		}
		orDefault(p, bat("max_wait"), &b.MaxWait, Duration(3*24*time.Hour))
		for _, f := range []string{"chain", "relays", "delay"} {
			if p.given(bat(f)) {
				p.add(bat(f), "only a drand beacon has %s", f)
			}
		}
	default:
		p.add(bat("kind"), "unknown beacon kind %q (want drand or text)", b.Kind)
	}
	if b.MaxWait < 0 {
		p.add(bat("max_wait"), "must not be negative")
	}
}

func checkID(p *problems, path []any, what, id string) {
	if !idPattern.MatchString(id) {
		p.add(path, "%s id %q: use lowercase letters, digits, - and _, starting with a letter or digit", what, id)
	}
}

func parseWindow(w string) (sampling.Window, error) {
	if w == "ytd" {
		return sampling.Window{Name: w, YTD: true}, nil
	}
	if !strings.HasSuffix(w, "d") {
		return sampling.Window{}, fmt.Errorf("window %q: want a number of days such as 30d, or ytd", w)
	}
	d, err := ParseDuration(w)
	if err != nil || d < 24*time.Hour {
		return sampling.Window{}, fmt.Errorf("window %q: want a number of days such as 30d, or ytd", w)
	}
	return sampling.Window{Name: w, Days: int(d / (24 * time.Hour))}, nil
}

func tierNames(t map[string]Tier) []string {
	c := &Config{Tiers: t}
	var names []string
	for _, r := range c.TierRules() {
		names = append(names, r.Name)
	}
	return names
}

// fieldName renders a path as schedules[2].cron.
func fieldName(path []any) string {
	var b strings.Builder
	for _, e := range path {
		switch v := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// lineOf finds the line of the node at path in the YAML document, or of its
// nearest existing parent; 0 when root is nil.
func lineOf(root *yaml.Node, path []any) int {
	_, line := nodeAt(root, path)
	return line
}

// nodeAt returns the node at path in root, or nil when the file does not
// have it, and the line of the deepest part of path that it has.
func nodeAt(root *yaml.Node, path []any) (*yaml.Node, int) {
	if root == nil || len(root.Content) == 0 {
		return nil, 0
	}
	n := root.Content[0]
	line := n.Line
	for _, e := range path {
		var next *yaml.Node
		switch v := e.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == v {
						line = n.Content[i].Line
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && v < len(n.Content) {
				next = n.Content[v]
				line = next.Line
			}
		}
		if next == nil {
			return nil, line
		}
		n = next
	}
	return n, line
}

// orDefault sets *v to def when the file leaves out the value at path: a
// zero written there is meant, and is kept for the checks to judge. A value
// the decoder could not read is left to its report, and defaulted here.
func orDefault[T comparable](p *problems, path []any, v *T, def T) {
	var zero T
	if *v != zero {
		return
	}
	if n, _ := nodeAt(p.root, path); n == nil || n.Decode(new(T)) != nil {
		*v = def
	}
}

// given reports whether the file sets the value at path, so that a zero
// there is meant and not a default left out.
func (p *problems) given(path []any) bool {
	n, _ := nodeAt(p.root, path)
	return n != nil
}
