package httpapi

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// publicPlan is one entry of GET /api/v1/public/plans: a closed plan's
// verification material, or only the commitment of an open one.
type publicPlan struct {
	ID           int64      `json:"id"`
	Status       string     `json:"status"`
	Commitment   string     `json:"commitment"`
	CommittedAt  time.Time  `json:"committed_at"`
	Industry     string     `json:"industry,omitempty"`
	IndustryName string     `json:"industry_name,omitempty"`
	NominalTime  *time.Time `json:"nominal_time,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Algorithm    string     `json:"algorithm,omitempty"`
	Seed         string     `json:"seed,omitempty"`
	FrameDigest  string     `json:"frame_digest,omitempty"`
	Disclosure   string     `json:"record,omitempty"` // path of the full disclosure
}

func handlePublicPlans(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, ok := limitParam(w, r)
		if !ok {
			return
		}
		out, err := publicPlans(r.Context(), d, limit)
		if err != nil {
			serverError(w, d, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"plans": out})
	})
}

// publicPlans returns the newest limit plans as the public sees them.
func publicPlans(ctx context.Context, d Deps, limit int) ([]publicPlan, error) {
	plans, err := d.Store.Plans(ctx, storage.PlanFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	var closedIDs []int64
	for _, p := range plans {
		if p.Status == sampling.PlanClosed {
			closedIDs = append(closedIDs, p.ID)
		}
	}
	closures, err := d.Store.PlanClosures(ctx, closedIDs)
	if err != nil {
		return nil, err
	}
	out := make([]publicPlan, 0, len(plans))
	for _, p := range plans {
		pp := publicPlan{ID: p.ID, Status: p.Status, Commitment: p.Commitment, CommittedAt: p.CreatedAt.In(d.Config.Location)}
		if p.Status == sampling.PlanClosed {
			d.Config.Localize(&p)
			at := closures[p.ID].In(d.Config.Location)
			pp.Industry, pp.IndustryName, pp.NominalTime = p.Industry, industryName(d, p.Industry), &p.NominalTime
			pp.Algorithm, pp.Seed, pp.FrameDigest = p.Algorithm, p.Seed, p.FrameDigest
			if !at.IsZero() {
				pp.ClosedAt = &at
			}
			pp.Disclosure = fmt.Sprintf("/api/v1/public/plans/%d", p.ID)
		}
		out = append(out, pp)
	}
	return out, nil
}

func industryName(d Deps, id string) string {
	if ind := d.Config.Industry(id); ind != nil {
		return ind.Name
	}
	return id
}

// handlePublicPlan serves a closed plan's signed disclosure, or the
// commitment of an open one.
func handlePublicPlan(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := planID(w, r)
		if !ok {
			return
		}
		rec, open, err := disclosureOf(r.Context(), d, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			problem(w, http.StatusNotFound, fmt.Sprintf("no plan %d", id))
		case err != nil:
			serverError(w, d, err)
		case open != nil:
			writeJSON(w, http.StatusOK, open)
		default:
			writeJSON(w, http.StatusOK, rec)
		}
	})
}

// disclosureOf builds and signs the disclosure of plan id when it is
// closed; for an open plan it returns only its commitment.
func disclosureOf(ctx context.Context, d Deps, id int64) (publication.Disclosure, *publication.Commitment, error) {
	// The plan without its tasks: TaskDetails below loads them with what
	// was recorded on them.
	found, err := d.Store.Plans(ctx, storage.PlanFilter{ID: id})
	if err != nil {
		return publication.Disclosure{}, nil, err
	}
	if len(found) == 0 {
		return publication.Disclosure{}, nil, fmt.Errorf("plan %d: %w", id, storage.ErrNotFound)
	}
	p := found[0]
	if p.Status != sampling.PlanClosed {
		return publication.Disclosure{}, &publication.Commitment{ID: p.ID, Status: p.Status, Commitment: p.Commitment, CommittedAt: p.CreatedAt.In(d.Config.Location)}, nil
	}
	d.Config.Localize(&p)
	closedAt, reason, err := d.Store.PlanClosure(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return publication.Disclosure{}, nil, err
	}
	today := d.today()
	details, err := d.Store.TaskDetails(ctx, storage.TaskFilter{PlanID: id}, today)
	if err != nil {
		return publication.Disclosure{}, nil, err
	}
	// The draw's input: the stratified draw's record, or the first draw's
	// inputs for plans made by it.
	var in sampling.SRSInputs
	var drawRec *sampling.DrawRecord
	if p.Algorithm == sampling.Algorithm {
		r, err := d.Store.RecordOf(ctx, p)
		if err != nil {
			return publication.Disclosure{}, nil, err
		}
		drawRec = &r
	} else if in, err = d.Store.SRSInputs(ctx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return publication.Disclosure{}, nil, err
	}
	tasks := make([]publication.Task, len(details))
	for i, t := range details {
		v := viewTask(d, t, today)
		pt := publication.Task{ID: t.ID, CreditCode: t.CreditCode, Enterprise: t.Enterprise, County: t.County, Category: t.Category,
			CategoryName: v.CategoryName, Tier: t.Tier, InclusionProbability: t.InclusionProbability, Inspectors: t.Inspectors,
			Due: t.Due, Outcome: publication.OutcomeNotInspected}
		if t.Sampling != nil {
			pt.SampledOn, pt.BatchNo = t.Sampling.SampledOn, t.Sampling.BatchNo
		}
		switch {
		case t.Refusal != nil:
			pt.Outcome, pt.RefusalReason = publication.OutcomeRefused, t.Refusal.Reason
		case t.Result != nil:
			pt.Outcome, pt.TestedOn, pt.ReportNo, pt.FailedItems = t.Result.Outcome, t.Result.TestedOn, t.Result.ReportNo, t.Result.FailedItems
		}
		tasks[i] = pt
	}
	rec := publication.Build(publication.Plan{ID: p.ID, Schedule: p.Schedule, Industry: p.Industry, IndustryName: industryName(d, p.Industry),
		Kind: p.Kind, NominalTime: p.NominalTime, Status: p.Status, ClosedAt: closedAt.UTC(), ClosedReason: reason,
		Algorithm: p.Algorithm, Seed: p.Seed, FrameDigest: p.FrameDigest, Commitment: p.Commitment, FrameSize: p.FrameSize}, tasks, in)
	if drawRec != nil {
		rec.WithRecord(*drawRec)
	}
	if err := withAnnouncement(ctx, d, &rec); err != nil {
		return publication.Disclosure{}, nil, err
	}
	rec.LabelSeed()
	key, err := d.Store.SigningKey(ctx, d.Now())
	if err != nil {
		return publication.Disclosure{}, nil, err
	}
	if err := publication.Sign(&rec, key); err != nil {
		return publication.Disclosure{}, nil, err
	}
	return rec, nil, nil
}

// handlePublicKey serves the key that signs disclosures.
func handlePublicKey(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, err := d.Store.SigningKey(r.Context(), d.Now())
		if err != nil {
			serverError(w, d, err)
			return
		}
		pub := key.Public().(ed25519.PublicKey)
		writeJSON(w, http.StatusOK, map[string]string{"algorithm": "ed25519", "public_key": hex.EncodeToString(pub),
			"fingerprint": publication.KeyFingerprint(pub)})
	})
}

// limitParam reads ?limit= (1 to 1000, default 100), answering 400 itself
// when it is bad.
func limitParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 100, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		problem(w, http.StatusBadRequest, "query parameter limit: want a number from 1 to 1000")
		return 0, false
	}
	return n, true
}
