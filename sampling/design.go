package sampling

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Algorithm names the draw implemented by DrawPlan: the frame, the allocation
// across strata, Pareto πps within strata and the inspector assignment. A
// change that alters which units or inspectors a seed selects, or the
// digests and commitment, must change this name, so that stored plans keep
// verifying against the algorithm that made them (TestGolden pins it).
const Algorithm = "stratified-pareto-hmac-sha256/v2"

// Allocation methods: how a plan's size is shared among strata.
const (
	AllocationProportional = "proportional" // by the number of eligible units
	AllocationEqual        = "equal"        // the same expected number per stratum
	AllocationNeyman       = "neyman"       // by eligible units × the standard deviation of the recent failure rate
)

// Stratification variables.
const (
	StratumCounty   = "county"
	StratumCategory = "category"
)

// Design is what a schedule asks of one draw: the frame's scope, the
// stratification and allocation, the risk weights and the inspector rules.
// A plan stores it as JSON, and Draw re-derives the plan from it.
type Design struct {
	Industry string `json:"industry"`
	// Categories are the categories in scope, each with its tier and the
	// pieces to take per batch.
	Categories map[string]CategoryRule `json:"categories"`
	// Counties limits the frame to these counties; empty means all.
	Counties []string `json:"counties,omitempty"`
	// Strata are the stratification variables, in order: any of county and
	// category. Empty means one stratum.
	Strata     []string `json:"strata"`
	Allocation string   `json:"allocation"`
	// Batches is the plan size; when zero, Fraction of the eligible frame
	// (rounded, at least 1) is drawn.
	Batches  int     `json:"batches,omitempty"`
	Fraction float64 `json:"fraction,omitempty"`
	// MinPerStratum tasks go to each stratum, or all its eligible units
	// when it has fewer.
	MinPerStratum int `json:"min_per_stratum,omitempty"`
	// NoRepeatSeconds is the no-repeat period: a unit drawn within it
	// before the fire is excluded, unless its last result was a failure.
	NoRepeatSeconds int64 `json:"no_repeat_seconds"`
	// RiskWeights maps the credit-risk classes A–D to selection weights.
	RiskWeights map[string]float64 `json:"risk_weights"`
	// FailBoost multiplies the weight of a unit whose last result was a
	// failure.
	FailBoost            float64 `json:"fail_boost"`
	InspectorsPerTask    int     `json:"inspectors_per_task"`
	CrossCounty          bool    `json:"cross_county,omitempty"`
	MaxTasksPerInspector int     `json:"max_tasks_per_inspector,omitempty"`
	// Due is the tasks' due date.
	Due Day `json:"due"`
}

// CategoryRule is what a design knows of a category in scope.
type CategoryRule struct {
	Tier     string   `json:"tier"`
	Quantity Quantity `json:"quantity"`
}

// Quantity is how many pieces of a batch are taken: the test portion and a
// backup portion kept for a retest.
type Quantity struct {
	Test   int `json:"test"`
	Backup int `json:"backup"`
}

// NoRepeat returns the no-repeat period.
func (d Design) NoRepeat() time.Duration { return time.Duration(d.NoRepeatSeconds) * time.Second }

// Seed is the randomness of a draw: 32 bytes, and the public text they were
// derived from, when they were (see SeedFromText). In JSON the bytes are
// hexadecimal.
type Seed struct {
	Bytes  []byte `json:"-"`
	Source string `json:"source,omitempty"`
}

type seedJSON struct {
	Hex    string `json:"hex"`
	Source string `json:"source,omitempty"`
}

// MarshalJSON writes the seed as {"hex": …, "source": …}.
func (s Seed) MarshalJSON() ([]byte, error) {
	return json.Marshal(seedJSON{Hex: hex.EncodeToString(s.Bytes), Source: s.Source})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Seed) UnmarshalJSON(b []byte) error {
	var j seedJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	raw, err := hex.DecodeString(j.Hex)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	s.Bytes, s.Source = raw, j.Source
	return nil
}

// SeedFromText derives a seed from public material, such as the numbers of
// a lottery draw: the SHA-256 of the text's UTF-8 bytes, exactly as given.
// Anyone holding the text can re-run the draw.
func SeedFromText(text string) Seed {
	h := sha256.Sum256([]byte(text))
	return Seed{Bytes: h[:], Source: text}
}

// ParseSeed decodes a seed written as 64 hexadecimal digits.
func ParseSeed(s string) (Seed, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != SeedSize {
		return Seed{}, fmt.Errorf("seed %q: want %d hexadecimal digits", s, 2*SeedSize)
	}
	return Seed{Bytes: b}, nil
}

// History is a unit's last inspection before a draw: the newest task that
// drew it, and that task's result.
type History struct {
	CreditCode string `json:"credit_code"`
	Category   string `json:"category"`
	TaskID     int64  `json:"task_id"`
	// Time is the nominal fire time of the plan that drew the unit.
	Time time.Time `json:"time"`
	// Outcome is OutcomePass, OutcomeFail, or empty while no result is in.
	Outcome string `json:"outcome,omitempty"`
}

// CellCount counts the recently tested and failed batches of one county and
// category, for Neyman allocation.
type CellCount struct {
	County   string `json:"county"`
	Category string `json:"category"`
	Tested   int    `json:"tested"`
	Failed   int    `json:"failed"`
}

// RecentDays is how far back the failure rates of Neyman allocation look.
const RecentDays = 365

// DrawRecord holds everything a plan is drawn from. DrawPlan is a pure
// function of it, so a stored draw record re-derives its plan: that is how
// plans verify. It is JSON-ready, for the disclosure of a closed plan
// (publication.Record), which carries it. The noun "record" means such a
// document kept to check a plan against (the draw record, the public
// record); the verb, storing what inspectors report (Store.RecordResults).
type DrawRecord struct {
	Schedule    string    `json:"schedule"`
	Kind        string    `json:"kind"`
	NominalTime time.Time `json:"nominal_time"`
	Seed        Seed      `json:"seed"`
	Design      Design    `json:"design"`
	// Population is the registry's active units of the industry, in any
	// order. Only CreditCode, Category, County and Risk enter the draw.
	Population []Unit `json:"population"`
	// Units, when set, is the population in compact form instead, as the
	// storage loads it for a draw: Population is then empty. The JSON form
	// of a disclosure has Population only (see Expanded).
	Units *Units `json:"-"`
	// History holds the last inspection of units that have one; others
	// count as never inspected.
	History []History `json:"history,omitempty"`
	// Recent counts the results of the RecentDays before the fire.
	Recent []CellCount `json:"recent,omitempty"`
	// Inspectors are the candidates; those not qualified for the industry
	// are ignored.
	Inspectors []Inspector `json:"inspectors"`
}

// Compact returns the disclosure's population in compact form: Units, or
// Population converted.
func (r *DrawRecord) Compact() *Units {
	if r.Units != nil {
		return r.Units
	}
	return UnitsOf(r.Population)
}

// Expanded returns the disclosure with its population as Population, the
// form its JSON encoding holds.
func (r DrawRecord) Expanded() DrawRecord {
	if r.Units != nil {
		r.Population, r.Units = r.Units.Slice(), nil
	}
	return r
}
