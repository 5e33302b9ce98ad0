// Package config holds spotcheck's configuration file: its types, defaults,
// loading and validation.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	// Time zones must load where the OS has no zoneinfo (scratch images,
	// minimal containers); this embeds the database in the binary.
	_ "time/tzdata"

	"go.yaml.in/yaml/v3"

	"spotcheck/sampling"
)

// Config is the whole configuration file.
type Config struct {
	// Timezone is the IANA zone of schedules that name none, and of the
	// calendar days that pass-rate windows count.
	Timezone string `yaml:"timezone"`
	// Tiers overrides or adds to the default tiers by name.
	Tiers map[string]Tier `yaml:"tiers"`
	// Windows are the rolling periods of pass rates: "30d" or "ytd".
	Windows []string `yaml:"windows"`
	// MinBatches is the sample size below which a rate is never "met".
	MinBatches int `yaml:"min_batches"`
	// MinCategoryBatches is the sample size below which a category is left
	// out of a category mean; default 10.
	MinCategoryBatches int `yaml:"min_category_batches"`
	// MaxPause is how long a schedule may stay paused before an alert
	// warns of it; default 7d.
	MaxPause Duration `yaml:"max_pause"`
	// Counties, when given, are the counties of the registry: every
	// enterprise's and inspector's county and every schedule's counties
	// must be one of them.
	Counties   []string   `yaml:"counties"`
	Industries []Industry `yaml:"industries"`
	Schedules  []Schedule `yaml:"schedules"`
	// Notifications send the tasks of new plans to webhooks.
	Notifications Notifications  `yaml:"notifications"`
	Location      *time.Location `yaml:"-"`
	// windows are Windows parsed, by resolve.
	windows []sampling.Window
}

// Tier is a quality target and how its headline rate is formed.
type Tier struct {
	Target    float64 `yaml:"target"`
	Aggregate string  `yaml:"aggregate"`
	// Stability, when Periods > 0, asks that the target be met in each of
	// the last Periods calendar periods too. The key tier defaults to the
	// last 4 quarters; other tiers to none.
	Stability Stability `yaml:"stability"`
	// AlertWindow is the one window whose rate the pass-rate alerts judge;
	// default 365d (the targets are annual), or the longest configured
	// rolling window when 365d is not configured.
	AlertWindow string `yaml:"alert_window"`
}

// Stability is how many recent calendar periods a tier must meet its target
// in, each on its own.
type Stability struct {
	Periods int    `yaml:"periods"`
	Period  string `yaml:"period"` // quarter (default) or month
	// MinBatches is how many tested batches a period needs to be judged;
	// default the configuration's min_batches.
	MinBatches int `yaml:"min_batches"`
}

// Industry is a line of business and its product categories.
type Industry struct {
	ID         string     `yaml:"id"`
	Name       string     `yaml:"name"`
	Categories []Category `yaml:"categories"`
	// ObjectionPeriod is how long after a result is recorded the enterprise
	// may object and ask for a retest; whole days, default 15d.
	ObjectionPeriod Duration `yaml:"objection_period"`
}

// DefaultMinCategoryBatches is the minimum of tested batches a category needs
// to count in a category mean when min_category_batches is not set.
const DefaultMinCategoryBatches = 10

// DefaultMaxPause is how long a schedule may stay paused before an alert
// warns, when max_pause is not set.
const DefaultMaxPause = Duration(7 * 24 * time.Hour)

// DefaultObjectionPeriod is the objection period of an industry that sets
// none: an enterprise may ask for a retest within 15 days of the result.
const DefaultObjectionPeriod = Duration(15 * 24 * time.Hour)

// Category is a kind of product; it belongs to one tier.
type Category struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Tier     string   `yaml:"tier"`
	Quantity Quantity `yaml:"quantity"`
}

// Quantity is how many units of a batch are taken for testing and kept as
// backup.
type Quantity struct {
	Test   int `yaml:"test"`
	Backup int `yaml:"backup"`
}

// Schedule is a named cron spec for one industry with its sampling settings.
type Schedule struct {
	Name                 string             `yaml:"name"`
	Industry             string             `yaml:"industry"`
	Cron                 string             `yaml:"cron"`
	Timezone             string             `yaml:"timezone"`
	Batches              int                `yaml:"batches"`
	Fraction             float64            `yaml:"fraction"`
	Counties             []string           `yaml:"counties"`
	Categories           []string           `yaml:"categories"`
	Strata               *[]string          `yaml:"strata"`
	Allocation           string             `yaml:"allocation"`
	MinPerStratum        int                `yaml:"min_per_stratum"`
	NoRepeat             Duration           `yaml:"no_repeat"`
	RiskWeights          map[string]float64 `yaml:"risk_weights"`
	FailBoost            float64            `yaml:"fail_boost"`
	InspectorsPerTask    int                `yaml:"inspectors_per_task"`
	CrossCounty          bool               `yaml:"cross_county"`
	MaxTasksPerInspector int                `yaml:"max_tasks_per_inspector"`
	Due                  Duration           `yaml:"due"`
	CatchUp              string             `yaml:"catch_up"`
	MaxCatchUp           int                `yaml:"max_catch_up"`
	// Overlap is what becomes of a fire that comes due while the previous
	// plan of the schedule is still being made.
	Overlap sampling.OverlapPolicy `yaml:"overlap"`
	// Deadline bounds the retries of a fire that fails; 0 means until the
	// next fire. Then the fire is recorded as failed.
	Deadline Duration `yaml:"deadline"`
	// Seed is where the seeds of the schedule's plans come from: SeedSystem
	// (the default: the system's random number generator) or SeedBeacon (a
	// public beacon, named in an announcement published at each fire; the
	// plan is drawn once the beacon's value is known).
	Seed string `yaml:"seed"`
	// Beacon configures the beacon of a schedule with seed: beacon.
	Beacon   *Beacon        `yaml:"beacon"`
	Location *time.Location `yaml:"-"`
	// Spec is Cron parsed for Location, by resolve.
	Spec *Cron `yaml:"-"`
}

// Seed sources of a schedule.
const (
	SeedSystem = "system"
	SeedBeacon = "beacon"
)

// Beacon is the public randomness a schedule's draws wait for (see
// docs/sampling.md, "Public draws with a beacon").
type Beacon struct {
	// Kind is "drand" (a round of a drand chain, fetched and verified) or
	// "text" (a public result read by a person and entered with spotcheck
	// beacon enter).
	Kind string `yaml:"kind"`
	// Chain is the drand chain, by name: quicknet (the default).
	Chain string `yaml:"chain"`
	// Relays are drand HTTP relays, tried in order; by default
	// https://api.drand.sh and https://drand.cloudflare.com.
	Relays []string `yaml:"relays"`
	// Delay is how long after the announcement the named drand round is
	// published (default 10m, at least 1m), so that the announcement is
	// public well before the value exists.
	Delay Duration `yaml:"delay"`
	// Description says which public result will be read, Template how it
	// is written (beacon.ParseTemplate) and After how long after the fire it
	// is expected, for text.
	Description string   `yaml:"description"`
	Template    string   `yaml:"template"`
	After       Duration `yaml:"after"`
	// MaxWait is how long a plan may await its beacon past the value's
	// due time before spotcheck_beacon_overdue alerts (default 1h for
	// drand, 3d for text).
	MaxWait Duration `yaml:"max_wait"`
}

// DefaultRelays are the drand relays used when a beacon names none.
var DefaultRelays = []string{"https://api.drand.sh", "https://drand.cloudflare.com"}

// Catch-up policies for fires missed while the service was down.
const (
	CatchUpNone   = "none"
	CatchUpLatest = "latest"
	CatchUpAll    = "all"
)

// DefaultTiers are the targets of the quality programme.
func DefaultTiers() map[string]Tier {
	return map[string]Tier{
		sampling.TierGeneral: {Target: 0.92, Aggregate: sampling.AggregatePooled},
		sampling.TierKey: {Target: 0.97, Aggregate: sampling.AggregatePooled,
			Stability: Stability{Periods: 4, Period: sampling.PeriodQuarter}},
		sampling.TierAgriInput: {Target: 0.90, Aggregate: sampling.AggregateCategoryMean},
	}
}

// Default returns the configuration used when no file is given: the default
// tiers and windows in Asia/Shanghai, with no industries or schedules.
func Default() *Config {
	c := &Config{}
	// The empty configuration is valid by construction (TestDefault checks).
	_ = c.resolve("default", nil)
	return c
}

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a configuration; name is used in errors. Keys
// that the configuration does not know are errors. The returned error lists
// every problem found, each naming the file, line and field.
func Parse(name string, data []byte) (*Config, error) {
	if !utf8.Valid(data) {
		// The YAML decoder would say only "invalid leading UTF-8 octet".
		line, col := 1, 1
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, fmt.Errorf("%s:%d:%d: invalid UTF-8 at byte %d: the file must be UTF-8", name, line, col, i)
			}
			if r == '\n' {
				line, col = line+1, 0
			}
			i, col = i+n, col+1
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, errors.New(atLine(name, strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// Unknown keys and ill-typed values do not stop the decoder; report
	// them together with what validation finds, so that one run lists every
	// problem.
	var errs []error
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, e := range te.Errors {
			errs = append(errs, errors.New(atLine(name, e)))
		}
	}
	if err := c.resolve(name, &root); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// yamlLine matches the "line N: " that the YAML decoder puts before its
// messages.
var yamlLine = regexp.MustCompile(`^line (\d+): `)

// atLine rewrites a decoder message "line N: msg" as "file:N: msg", the form
// validation errors take.
func atLine(file, msg string) string {
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return file + ":" + m[1] + ": " + msg[len(m[0]):]
	}
	return file + ": " + msg
}

// TierRules returns the tiers in display order: the three default tiers
// first, then the others by name.
func (c *Config) TierRules() []sampling.TierRule {
	names := make([]string, 0, len(c.Tiers))
	for n := range c.Tiers {
		names = append(names, n)
	}
	rank := func(n string) int {
		if i := slices.Index([]string{sampling.TierGeneral, sampling.TierKey, sampling.TierAgriInput}, n); i >= 0 {
			return i
		}
		return 3
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if a < b {
			return -1
		}
		return 1
	})
	rules := make([]sampling.TierRule, len(names))
	for i, n := range names {
		rules[i] = sampling.TierRule{Name: n, Target: c.Tiers[n].Target, Aggregate: c.Tiers[n].Aggregate}
	}
	return rules
}

// RateWindows returns the configured windows, parsed when the
// configuration was loaded.
func (c *Config) RateWindows() []sampling.Window { return slices.Clone(c.windows) }

// StabilityRules returns the stability rule of each tier that has one.
func (c *Config) StabilityRules() map[string]sampling.StabilityRule {
	m := map[string]sampling.StabilityRule{}
	for name, t := range c.Tiers {
		if t.Stability.Periods > 0 {
			m[name] = sampling.StabilityRule{Periods: t.Stability.Periods, Period: t.Stability.Period, MinBatches: t.Stability.MinBatches}
		}
	}
	return m
}

// RateOptions returns the options every rate is computed with: the minimum
// batches of a met rate and of a category in a mean.
func (c *Config) RateOptions() sampling.RateOptions {
	return sampling.RateOptions{MinBatches: c.MinBatches, MinCategoryBatches: c.MinCategoryBatches}
}

// ObjectionDays returns each configured industry's objection period in days.
func (c *Config) ObjectionDays() map[string]int {
	m := make(map[string]int, len(c.Industries))
	for _, ind := range c.Industries {
		m[ind.ID] = int(time.Duration(ind.ObjectionPeriod) / (24 * time.Hour))
	}
	return m
}

// Industry returns the industry with id, or nil.
func (c *Config) Industry(id string) *Industry {
	for i := range c.Industries {
		if c.Industries[i].ID == id {
			return &c.Industries[i]
		}
	}
	return nil
}

// Category returns the industry's category with id, or nil.
func (ind *Industry) Category(id string) *Category {
	for i := range ind.Categories {
		if ind.Categories[i].ID == id {
			return &ind.Categories[i]
		}
	}
	return nil
}

// CategoryName returns the name of category id of the industry with id
// industry, or id itself when the category is not configured or has no name.
func (c *Config) CategoryName(industry, id string) string {
	if ind := c.Industry(industry); ind != nil {
		if cat := ind.Category(id); cat != nil && cat.Name != "" {
			return cat.Name
		}
	}
	return id
}

// Schedule returns the schedule named name, or nil.
func (c *Config) Schedule(name string) *Schedule {
	for i := range c.Schedules {
		if c.Schedules[i].Name == name {
			return &c.Schedules[i]
		}
	}
	return nil
}

// Localize shows a plan's times in its schedule's time zone, or in the
// configuration's zone for a schedule it no longer has.
func (c *Config) Localize(p *sampling.Plan) {
	loc := c.Location
	if sc := c.Schedule(p.Schedule); sc != nil {
		loc = sc.Location
	}
	p.NominalTime = p.NominalTime.In(loc)
	p.CreatedAt = p.CreatedAt.In(loc)
}
