package main

import (
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"spotcheck/config"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// cmdPlanVerify re-derives a stored plan from stored data and compares:
// exit 0 when it matches, 1 when it differs, 2 when it cannot be verified.
func cmdPlanVerify(ctx context.Context, args []string, e env) error {
	c := newCommand("plan verify", "plan verify ID [--format table|json] | plan verify --from FILE [--key HEX]", e)
	format := c.formatFlag("output format: table or json", "table", "json")
	from := addVerifyFromFlags(c.fs)
	pos, err := c.parse(args, 0, 1)
	if err != nil {
		return helpOK(err)
	}
	if from.set() {
		if len(pos) > 0 {
			return usageError("plan verify: give a plan ID or --from FILE, not both")
		}
		return from.run(e)
	}
	if len(pos) == 0 {
		return usageError("plan verify: give the ID of a stored plan, or --from FILE for a saved public record")
	}
	id, err := planArg("plan verify", pos[0])
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	// Any failure to verify, bad input or not, is exit 2: 1 means that the
	// plan differs from its re-derivation.
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return badInput(err)
	}
	defer store.Close()
	stored, rec, err := store.PlanRecord(ctx, id)
	if err != nil {
		return badInput(fmt.Errorf("plan verify: %w", err))
	}
	derived, err := sampling.Verify(rec, stored)
	var mm *sampling.MismatchError
	if err != nil && !errors.As(err, &mm) {
		return badInput(fmt.Errorf("plan verify: %w", err))
	}
	announced, diffs, err := announcementDiffs(ctx, store, stored, e.now())
	if err != nil {
		return badInput(fmt.Errorf("plan verify: %w", err))
	}
	if len(diffs) > 0 {
		if mm == nil {
			mm = &sampling.MismatchError{}
		}
		mm.Differences = append(diffs, mm.Differences...)
	}
	cfg.Localize(&derived)
	if *format == "json" {
		out := verification{Plan: id, Match: mm == nil, Algorithm: stored.Algorithm, Seed: stored.Seed, SeedSource: stored.SeedSource,
			FrameDigest: derived.FrameDigest, Commitment: derived.Commitment, FrameSize: derived.FrameSize, Excluded: derived.Excluded,
			Design: rec.Design, Strata: derived.Strata, Differences: []string{}}
		if mm != nil {
			out.Differences = mm.Differences
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else if err := printVerification(e.stdout, id, derived, mm); err != nil {
		return err
	} else if announced > 0 && mm == nil {
		fmt.Fprintf(e.stdout, "announcement %d: the chain up to it holds, its beacon value is valid and derives the seed, its frozen input is the one drawn from\n", announced)
	}
	if mm != nil {
		n := len(mm.Differences)
		return &exitError{code: 1, err: fmt.Errorf("plan %d does not match its re-derived draw: %d difference%s", id, n, map[bool]string{true: "s"}[n > 1])}
	}
	return nil
}

// verification is the JSON of plan verify.
type verification struct {
	Plan        int64              `json:"plan"`
	Match       bool               `json:"match"`
	Algorithm   string             `json:"algorithm"`
	Seed        string             `json:"seed"`
	SeedSource  string             `json:"seed_source,omitempty"`
	FrameDigest string             `json:"frame_digest"`
	Commitment  string             `json:"commitment"`
	FrameSize   int                `json:"frame_size"`
	Excluded    int                `json:"excluded"`
	Design      sampling.Design    `json:"design"`
	Strata      []sampling.Stratum `json:"strata"`
	Differences []string           `json:"differences"`
}

func printVerification(w io.Writer, id int64, p sampling.Plan, mm *sampling.MismatchError) error {
	if mm != nil {
		fmt.Fprintf(w, "plan %d: mismatch: %s\n", id, mm.Differences[0])
		if n := len(mm.Differences) - 1; n > 0 {
			fmt.Fprintf(w, "(%d more differences; --format json lists them all)\n", n)
		}
		return nil
	}
	fmt.Fprintf(w, "plan %d: match\n", id)
	fmt.Fprintf(w, "re-derived from stored data with %s: %d eligible units, %d excluded by no_repeat\n", p.Algorithm, p.FrameSize, p.Excluded)
	fmt.Fprintf(w, "frame digest %s\nseed %s\n", p.FrameDigest, p.Seed)
	if p.SeedSource != "" {
		fmt.Fprintf(w, "seed source %q\n", p.SeedSource)
	}
	fmt.Fprintf(w, "commitment %s\n\n", p.Commitment)
	return printStrata(w, p.Strata)
}

// printStrata writes a draw's allocation: per stratum its units, the
// eligible ones, its exact share of the plan and the tasks it got.
func printStrata(w io.Writer, strata []sampling.Stratum) error {
	t := newTable(w, "STRATUM", "UNITS", "ELIGIBLE", "SHARE", "TASKS")
	for _, s := range strata {
		t.row(s.Key, strconv.Itoa(s.Units), strconv.Itoa(s.Eligible), strconv.FormatFloat(s.Share, 'f', 3, 64), strconv.Itoa(s.Tasks))
	}
	return t.flush()
}

// printExclusions lists the units that plan id's frame excluded, with the
// reason, as the stored record re-derives them.
func printExclusions(ctx context.Context, w io.Writer, store *storage.Store, id int64, cfg *config.Config, format string) error {
	plan, rec, err := store.PlanRecord(ctx, id)
	if err != nil {
		return err
	}
	ex, err := sampling.Exclusions(rec)
	if err != nil {
		return err
	}
	cfg.Localize(&plan)
	loc := plan.NominalTime.Location()
	for i := range ex {
		ex[i].LastTime = ex[i].LastTime.In(loc)
	}
	switch format {
	case "json":
		if ex == nil {
			ex = []sampling.Exclusion{}
		}
		return writeJSON(w, ex)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"credit_code", "category", "county", "last_task", "last_drawn", "last_outcome", "reason"})
		for _, x := range ex {
			cw.Write([]string{x.CreditCode, x.Category, x.County, strconv.FormatInt(x.LastTask, 10),
				x.LastTime.Format(time.RFC3339), x.LastOutcome, x.Reason})
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "plan %d: %d units excluded from the frame by no_repeat %s\n\n", id, len(ex), formatDays(rec.Design.NoRepeat()))
	t := newTable(w, "CREDIT CODE", "CATEGORY", "COUNTY", "LAST TASK", "LAST DRAWN", "RESULT", "ELIGIBLE AGAIN")
	for _, x := range ex {
		t.row(x.CreditCode, x.Category, x.County, strconv.FormatInt(x.LastTask, 10), x.LastTime.Format("2006-01-02 15:04"),
			x.LastOutcome, x.LastTime.Add(rec.Design.NoRepeat()).Format("2006-01-02 15:04"))
	}
	return t.flush()
}

// formatDays writes a period as config writes durations: 180d, 12h.
func formatDays(d time.Duration) string { return config.Duration(d).String() }

// runSeed returns the seed of plan run: from --seed (dry runs only, since
// a chosen seed would let a person choose the plan) or from --seed-from,
// or none, for a random seed.
func runSeed(seedHex, seedFrom string, dryRun bool) (sampling.Seed, error) {
	switch {
	case seedHex != "" && seedFrom != "":
		return sampling.Seed{}, usageError("plan run: give --seed or --seed-from, not both")
	case seedHex != "" && !dryRun:
		return sampling.Seed{}, usageError("plan run: --seed is for --dry-run only: a stored plan's seed comes from crypto/rand, or from public text with --seed-from")
	case seedHex != "":
		s, err := sampling.ParseSeed(seedHex)
		if err != nil {
			return s, usageError("plan run: --seed: %v", err)
		}
		return s, nil
	case seedFrom != "":
		return sampling.SeedFromText(seedFrom), nil
	}
	return sampling.Seed{}, nil
}

// announcementDiffs checks a plan drawn from a beacon against its
// announcement: the chain up to it (signed with the service's key, no gap),
// the beacon value (valid, not public before the announcement), the seed
// derived from them, and the frozen input the announcement digested. It
// returns the announcement's sequence (0 for a plan without one) and the
// differences found.
func announcementDiffs(ctx context.Context, store *storage.Store, stored sampling.Plan, now time.Time) (int64, []string, error) {
	found, err := store.Announcements(ctx, storage.AnnouncementFilter{PlanID: stored.ID})
	if err != nil || len(found) == 0 {
		return 0, nil, err
	}
	a := found[0]
	chain, err := store.Announcements(ctx, storage.AnnouncementFilter{UpTo: a.Sequence})
	if err != nil {
		return 0, nil, err
	}
	key, err := store.SigningKey(ctx, now)
	if err != nil {
		return 0, nil, err
	}
	var published []publication.Announcement
	var diffs []string
	for _, c := range chain {
		published = append(published, c.Published)
		if c.Hash != c.Published.Hash() {
			diffs = append(diffs, fmt.Sprintf("announcement %d: stored hash %s, its content hashes to %s", c.Sequence, c.Hash, c.Published.Hash()))
		}
	}
	diffs = append(diffs, publication.VerifyChain(published, key.Public().(ed25519.PublicKey))...)
	if a.Value == nil {
		return a.Sequence, append(diffs, fmt.Sprintf("announcement %d: plan %d has no recorded beacon value", a.Sequence, stored.ID)), nil
	}
	seed, err := a.Published.BeaconValue(*a.Value)
	switch {
	case err != nil:
		diffs = append(diffs, fmt.Sprintf("announcement %d: %v", a.Sequence, err))
	case hex.EncodeToString(seed) != stored.Seed:
		diffs = append(diffs, fmt.Sprintf("seed: %s is not %x, which announcement %d and its beacon value derive", stored.Seed, seed, a.Sequence))
	}
	frozen, err := store.FrozenRecord(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	if got := sampling.FrozenDigest(frozen); got != a.Published.RecordDigest {
		diffs = append(diffs, fmt.Sprintf("announcement %d: announced draw input %s, the stored frozen input is %s", a.Sequence, a.Published.RecordDigest, got))
	}
	if stored.FrameDigest != a.Published.FrameDigest {
		diffs = append(diffs, fmt.Sprintf("announcement %d: announced frame %s, the plan's is %s", a.Sequence, a.Published.FrameDigest, stored.FrameDigest))
	}
	return a.Sequence, diffs, nil
}
