package sampling

import "time"

// Tier names used by the default configuration.
const (
	TierGeneral   = "general"
	TierKey       = "key"
	TierAgriInput = "agri_input"
)

// Plan kinds: how a fire came about.
const (
	KindScheduled = "scheduled"
	KindCatchUp   = "catch_up"
	KindManual    = "manual"
)

// Unit is one sampling unit: an enterprise's products of one category.
type Unit struct {
	CreditCode string // Unified Social Credit Code of the enterprise
	Enterprise string // enterprise name
	County     string
	Industry   string
	Category   string
	Risk       string // credit-risk class A–D
}

// Key identifies the unit in the draw. It is stable across registry
// reorderings, so the draw does not depend on row order.
func (u Unit) Key() string { return string(u.AppendKey(nil)) }

// AppendKey appends the unit's Key to b.
func (u Unit) AppendKey(b []byte) []byte {
	return append(append(append(b, u.CreditCode...), '/'), u.Category...)
}

// Inspector is a person who may be sent to sample.
type Inspector struct {
	ID         string
	Name       string
	County     string
	Industries []string
	Recusals   []string // credit codes the inspector must not inspect
}

// Task is one unit to sample in a plan: one batch.
type Task struct {
	ID                   int64    `json:"id,omitzero"` // 0 until stored: none in a dry run`
	CreditCode           string   `json:"credit_code"`
	Enterprise           string   `json:"enterprise"`
	County               string   `json:"county"`
	Category             string   `json:"category"`
	Tier                 string   `json:"tier"`
	Stratum              string   `json:"stratum"`
	InclusionProbability float64  `json:"inclusion_probability"`
	Inspectors           []string `json:"inspectors"`
	Quantity             Quantity `json:"quantity"`
	Due                  Day      `json:"due"`
	Status               string   `json:"status"`
}

// Task states.
const (
	TaskAssigned = "assigned"
	TaskTested   = "tested"
)

// Plan is the draw made for one fire of a schedule.
type Plan struct {
	ID          int64     `json:"id,omitzero"` // 0 until stored: none in a dry run
	Schedule    string    `json:"schedule"`
	Industry    string    `json:"industry"`
	Kind        string    `json:"kind"`
	NominalTime time.Time `json:"nominal_time"`
	Status      string    `json:"status"`
	Algorithm   string    `json:"algorithm"`
	Seed        string    `json:"seed"`
	// SeedSource is the public text the seed is the SHA-256 of, if any.
	SeedSource  string    `json:"seed_source,omitempty"`
	FrameDigest string    `json:"frame_digest"`
	Commitment  string    `json:"commitment"`
	FrameSize   int       `json:"frame_size"`          // eligible units
	Excluded    int       `json:"excluded"`            // units in scope left out by the no-repeat rule
	TaskCount   int       `json:"task_count"`          // number of tasks, also when Tasks is not loaded
	CreatedAt   time.Time `json:"created_at,omitzero"` // zero until stored: none in a dry run
	Tasks       []Task    `json:"tasks,omitempty"`
	// Inputs are what a plan of the first generation (DrawSRS) was drawn
	// from, for storage with the plan; nil on plans loaded from storage
	// and on plans of DrawPlan, which keep their DrawRecord in Record instead.
	Inputs *SRSInputs `json:"-"`
	// Strata is the allocation, when the plan was just drawn or re-derived.
	Strata []Stratum `json:"strata,omitempty"`
	// Record is what the plan was drawn from, kept to verify it later;
	// set by DrawPlan, stored by storage.
	Record *DrawRecord `json:"-"`
}

// Plan states.
const (
	PlanOpen   = "open"
	PlanClosed = "closed"
)

// Rollup counts tested and failed batches of one day, tier, industry,
// category and county, with provisional and final results apart.
type Rollup struct {
	Day      Day // the test date
	Tier     string
	Industry string
	Category string
	County   string
	Final    bool // the results' objection periods have ended or their retests are decided
	Tested   int
	Failed   int
	// WTested and WFailed sum 1/inclusion probability over the tested and
	// the failed batches, for the design-weighted (Hájek) estimate.
	WTested float64
	WFailed float64
}
