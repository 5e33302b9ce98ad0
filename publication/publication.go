// Package publication makes the disclosure of a closed plan: its results
// in the layout of a regulator's bulletin, with everything needed to re-run
// its draw, signed by the service; and verifies such a disclosure with no access
// to the database. It does no I/O.
package publication

import (
	"cmp"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"spotcheck/beacon"
	"spotcheck/sampling"
)

// Format names the layout of a Disclosure; a change that alters what a disclosure
// means must change it.
const Format = "spotcheck-public-record/v1"

// Outcomes of a task in a disclosure.
const (
	OutcomePass         = sampling.OutcomePass
	OutcomeFail         = sampling.OutcomeFail
	OutcomeRefused      = "refused"
	OutcomeNotInspected = "not_inspected" // the due date passed without a result
)

// Disclosure is the disclosure of a closed plan.
type Disclosure struct {
	Format   string   `json:"format"`
	Plan     Plan     `json:"plan"`
	Bulletin Bulletin `json:"bulletin"`
	Tasks    []Task   `json:"tasks"`
	Draw     Draw     `json:"draw"`
	// SeedOrigin says where the seed came from (SeedSystem, SeedPublicText
	// or SeedBeacon) and SeedNote what that means for whoever checks the
	// draw, in plain words (SeedNotes). Disclosures made before these fields
	// lack them.
	SeedOrigin string `json:"seed_origin,omitempty"`
	SeedNote   string `json:"seed_note,omitempty"`
	// Announcements is the chain of announcements from the first to this
	// plan's, and Beacon the beacon's value, for a plan seeded by a beacon.
	Announcements []Announcement `json:"announcements,omitempty"`
	Beacon        *beacon.Value  `json:"beacon,omitempty"`
	Signature     *Signature     `json:"signature,omitempty"`
}

// Seed origins of a disclosure.
const (
	SeedSystem     = "system"
	SeedPublicText = "public_text"
	SeedBeacon     = "beacon"
)

// SeedNotes are the plain words a disclosure carries for each seed origin.
var SeedNotes = map[string]string{
	SeedSystem: "种子由本系统的随机数发生器产生。外部无法检验系统没有反复抽取、择优保留：这份计划只能证明事后未被改动。" +
		" The seed was chosen by this system's random number generator. Nobody outside can check that the system did not draw again and again and keep the plan it preferred: this record proves only that the plan was not changed afterwards.",
	SeedPublicText: "种子是下列公开文本的 SHA-256。该文本并未事先公告其来源和写法，无法检验其选择与写法未被挑选。" +
		" The seed is the SHA-256 of the public text given below. The text's source and spelling were not announced beforehand, so nobody can check that they were not chosen among several.",
	SeedBeacon: "种子由事先公告（见 announcements）与公告时尚不存在的公开信标值推导。公告固定了抽样框、设计和信标轮次。" +
		" The seed is derived from an announcement (see announcements) and a public beacon value that did not exist when it was made; the announcement fixed the frame, the design and the beacon round.",
}

// LabelSeed sets the disclosure's seed origin and note from what it holds.
func (r *Disclosure) LabelSeed() {
	switch {
	case len(r.Announcements) > 0 || r.Beacon != nil:
		r.SeedOrigin = SeedBeacon
	case r.Draw.Record != nil && r.Draw.Record.Seed.Source != "":
		r.SeedOrigin = SeedPublicText
	default:
		r.SeedOrigin = SeedSystem
	}
	r.SeedNote = SeedNotes[r.SeedOrigin]
}

// Plan is what the disclosure says of the plan itself.
type Plan struct {
	ID           int64     `json:"id"`
	Schedule     string    `json:"schedule"`
	Industry     string    `json:"industry"`
	IndustryName string    `json:"industry_name"`
	Kind         string    `json:"kind"`
	NominalTime  time.Time `json:"nominal_time"`
	Status       string    `json:"status"`
	ClosedAt     time.Time `json:"closed_at"`
	ClosedReason string    `json:"closed_reason"`
	Algorithm    string    `json:"algorithm"`
	Seed         string    `json:"seed"`
	FrameDigest  string    `json:"frame_digest"`
	Commitment   string    `json:"commitment"`
	FrameSize    int       `json:"frame_size"`
}

// Task is one batch of the plan and what came of it.
type Task struct {
	ID                   int64        `json:"id"`
	CreditCode           string       `json:"credit_code"`
	Enterprise           string       `json:"enterprise"`
	County               string       `json:"county"`
	Category             string       `json:"category"`
	CategoryName         string       `json:"category_name"`
	Tier                 string       `json:"tier"`
	InclusionProbability float64      `json:"inclusion_probability"`
	Inspectors           []string     `json:"inspectors"`
	Due                  sampling.Day `json:"due"`
	Outcome              string       `json:"outcome"`
	SampledOn            sampling.Day `json:"sampled_on,omitempty"`
	BatchNo              string       `json:"batch_no,omitempty"`
	TestedOn             sampling.Day `json:"tested_on,omitempty"`
	ReportNo             string       `json:"report_no,omitempty"`
	FailedItems          string       `json:"failed_items,omitempty"`
	RefusalReason        string       `json:"refusal_reason,omitempty"`
}

// Bulletin is the summary a regulator publishes: batches, failed batches,
// the breakdown by category and the list of failed batches.
type Bulletin struct {
	Title         string         `json:"title"`
	Enterprises   int            `json:"enterprises"`
	Batches       int            `json:"batches"`
	Inspected     int            `json:"inspected"`
	Passed        int            `json:"passed"`
	Failed        int            `json:"failed"`
	Refused       int            `json:"refused"`
	NotInspected  int            `json:"not_inspected"`
	PassRate      float64        `json:"pass_rate"` // passed / inspected; 0 when none was
	Categories    []CategoryLine `json:"categories"`
	FailedBatches []FailedBatch  `json:"failed_batches"`
}

// CategoryLine is one row of the per-category breakdown.
type CategoryLine struct {
	Category  string  `json:"category"`
	Name      string  `json:"name"`
	Tier      string  `json:"tier"`
	Batches   int     `json:"batches"`
	Inspected int     `json:"inspected"`
	Failed    int     `json:"failed"`
	PassRate  float64 `json:"pass_rate"`
}

// FailedBatch is one row of the list of failed batches.
type FailedBatch struct {
	No           int    `json:"no"`
	TaskID       int64  `json:"task_id"`
	Enterprise   string `json:"enterprise"`
	CreditCode   string `json:"credit_code"`
	County       string `json:"county"`
	CategoryName string `json:"category_name"`
	BatchNo      string `json:"batch_no,omitempty"`
	FailedItems  string `json:"failed_items"`
	ReportNo     string `json:"report_no,omitempty"`
}

// Draw is what the plan was drawn from besides its seed, as given to
// sampling.DrawSRS (the first generation of the draw; plans of DrawPlan
// carry Record instead). Inspectors' names are left out.
type Draw struct {
	Spec       sampling.SRSSpec     `json:"spec"`
	Frame      []sampling.Unit      `json:"frame"`
	Inspectors []sampling.Inspector `json:"inspectors"`
	// Record is the input of the stratified draw (sampling.DrawPlan) for
	// plans made by it; Spec, Frame and Inspectors then stay empty.
	Record *sampling.DrawRecord `json:"record,omitempty"`
}

// WithRecord sets the disclosure's draw input to rec, the input of the
// stratified draw, with inspectors' names left out.
func (r *Disclosure) WithRecord(rec sampling.DrawRecord) {
	rec.Inspectors = withoutNames(rec.Inspectors)
	r.Draw = Draw{Record: &rec}
}

// withoutNames returns a copy of inspectors with their names left out: a
// disclosure names inspectors by ID only.
func withoutNames(inspectors []sampling.Inspector) []sampling.Inspector {
	out := slices.Clone(inspectors)
	for i := range out {
		out[i].Name = ""
	}
	return out
}

// Signature is the service's Ed25519 signature over the disclosure without it.
type Signature struct {
	Algorithm string `json:"algorithm"`  // "ed25519"
	PublicKey string `json:"public_key"` // hex
	Value     string `json:"value"`      // hex
}

// Commitment is all that is public of a plan before it closes.
type Commitment struct {
	ID          int64     `json:"id"`
	Status      string    `json:"status"`
	Commitment  string    `json:"commitment"`
	CommittedAt time.Time `json:"committed_at"`
}

// Build returns the disclosure of a closed plan from its tasks (Bulletin and
// Signature are filled by Build and Sign). Inspectors' names are dropped
// from the draw inputs.
func Build(p Plan, tasks []Task, in sampling.SRSInputs) Disclosure {
	tasks = slices.Clone(tasks)
	slices.SortFunc(tasks, func(a, b Task) int { return cmp.Compare(a.ID, b.ID) })
	inspectors := withoutNames(in.Inspectors)
	if inspectors == nil {
		inspectors = []sampling.Inspector{} // "inspectors": [], as disclosures have always had
	}
	r := Disclosure{Format: Format, Plan: p, Tasks: tasks, Draw: Draw{Spec: in.Spec, Frame: in.Frame, Inspectors: inspectors}}
	r.Bulletin = Summarize(p, tasks)
	return r
}

// Summarize makes the bulletin of a plan's tasks.
func Summarize(p Plan, tasks []Task) Bulletin {
	b := Bulletin{
		Title:         fmt.Sprintf("%s产品质量监督抽查结果（第 %d 号抽查计划）", cmp.Or(p.IndustryName, p.Industry), p.ID),
		Batches:       len(tasks),
		Categories:    []CategoryLine{},
		FailedBatches: []FailedBatch{},
	}
	enterprises := map[string]bool{}
	cats := map[string]*CategoryLine{}
	var order []string
	for _, t := range tasks {
		enterprises[t.CreditCode] = true
		c := cats[t.Category]
		if c == nil {
			c = &CategoryLine{Category: t.Category, Name: t.CategoryName, Tier: t.Tier}
			cats[t.Category] = c
			order = append(order, t.Category)
		}
		c.Batches++
		switch t.Outcome {
		case OutcomePass:
			b.Inspected++
			b.Passed++
			c.Inspected++
		case OutcomeFail:
			b.Inspected++
			b.Failed++
			c.Inspected++
			c.Failed++
			b.FailedBatches = append(b.FailedBatches, FailedBatch{No: len(b.FailedBatches) + 1, TaskID: t.ID,
				Enterprise: t.Enterprise, CreditCode: t.CreditCode, County: t.County, CategoryName: t.CategoryName,
				BatchNo: t.BatchNo, FailedItems: t.FailedItems, ReportNo: t.ReportNo})
		case OutcomeRefused:
			b.Refused++
		default:
			b.NotInspected++
		}
	}
	b.Enterprises = len(enterprises)
	b.PassRate = rate(b.Passed, b.Inspected)
	slices.Sort(order)
	for _, k := range order {
		c := cats[k]
		c.PassRate = rate(c.Inspected-c.Failed, c.Inspected)
		b.Categories = append(b.Categories, *c)
	}
	return b
}

func rate(passed, inspected int) float64 {
	if inspected == 0 {
		return 0
	}
	return float64(passed) / float64(inspected)
}

// signedBytes is what a signature covers: the disclosure without its signature,
// as encoding/json writes it (struct fields in order, map keys sorted).
func signedBytes(r Disclosure) ([]byte, error) {
	r.Signature = nil
	return json.Marshal(r)
}

// Sign signs the disclosure with key.
func Sign(r *Disclosure, key ed25519.PrivateKey) error {
	msg, err := signedBytes(*r)
	if err != nil {
		return fmt.Errorf("sign record of plan %d: %w", r.Plan.ID, err)
	}
	r.Signature = &Signature{Algorithm: "ed25519", PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey)),
		Value: hex.EncodeToString(ed25519.Sign(key, msg))}
	return nil
}
