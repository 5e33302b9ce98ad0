package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/beacon"
	"spotcheck/config"
	"spotcheck/publication"
	"spotcheck/scheduler"
	"spotcheck/storage"
)

const beaconUsage = `Usage:
  spotcheck announcements [--awaiting] [--format table|json]   the announcement chain
  spotcheck beacon enter SEQ VALUE [--dry-run]   enter the public result a text beacon names
  spotcheck beacon fetch SEQ [--dry-run]         fetch the drand round announcement SEQ names now
  spotcheck key                                  the public key and its fingerprint
`

// cmdAnnouncements lists the announcement chain.
func cmdAnnouncements(ctx context.Context, args []string, e env) error {
	c := newCommand("announcements", "announcements [--awaiting] [--format table|json]", e)
	awaiting := c.fs.Bool("awaiting", false, "only announcements whose plan awaits its beacon")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	anns, err := store.Announcements(ctx, storage.AnnouncementFilter{Awaiting: *awaiting})
	if err != nil {
		return err
	}
	if *format == "json" {
		if anns == nil {
			anns = []storage.Announcement{}
		}
		return writeJSON(e.stdout, anns)
	}
	now := e.now()
	t := newTable(e.stdout, "SEQ", "SCHEDULE", "NOMINAL", "BEACON", "DUE", "STATUS", "HASH")
	for _, a := range anns {
		status := "awaiting beacon"
		switch {
		case a.DrawError != nil:
			status = "draw failed: " + *a.DrawError
		case !a.Awaiting():
			status = fmt.Sprintf("plan %d", a.PlanID.Int64)
		case now.After(a.DueAt):
			status = fmt.Sprintf("awaiting beacon, %s past due", now.Sub(a.DueAt).Round(time.Second))
		}
		src := a.Published.Beacon
		what := fmt.Sprintf("drand %s round %d", src.ChainName, src.Round)
		if src.Kind == beacon.KindText {
			what = fmt.Sprintf("text %s (%s)", src.Template, src.Description)
		}
		t.row(strconv.FormatInt(a.Sequence, 10), a.Schedule, a.NominalTime.In(cfg.Location).Format("2006-01-02 15:04"), what,
			a.DueAt.In(cfg.Location).Format("2006-01-02 15:04:05"), status, a.Hash[:16])
	}
	return t.flush()
}

// cmdBeacon enters or fetches an announcement's beacon value.
func cmdBeacon(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(e.stdout, beaconUsage)
		if len(args) == 0 {
			return usageError("beacon: want a subcommand: enter SEQ VALUE or fetch SEQ")
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	if sub != "enter" && sub != "fetch" {
		return usageError("beacon: unknown subcommand %q (want enter or fetch)", sub)
	}
	synopsis := "beacon enter SEQ VALUE [--dry-run] [--format table|json]"
	want := 2
	if sub == "fetch" {
		synopsis, want = "beacon fetch SEQ [--dry-run] [--format table|json]", 1
	}
	c := newCommand("beacon "+sub, synopsis, e)
	dryRun := c.fs.Bool("dry-run", false, "draw and show the plan without storing it: it is the plan the real draw makes")
	format := c.formatFlag("output format: table or json", "table", "json")
	pos, err := c.parse(rest, want, want)
	if err != nil {
		return helpOK(err)
	}
	seq, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || seq < 1 {
		return usageError("beacon %s: SEQ %q: want an announcement's sequence number", sub, pos[0])
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	logger := newLogger(e, slog.LevelWarn)
	store, err := c.openStore(ctx, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	found, err := store.Announcements(ctx, storage.AnnouncementFilter{Sequence: seq})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return badInput(fmt.Errorf("beacon %s: no announcement %d", sub, seq))
	}
	a := found[0]
	src := a.Published.Beacon
	var v beacon.Value
	switch {
	case sub == "enter" && src.Kind != beacon.KindText:
		return usageError("beacon enter: announcement %d names drand round %d, which spotcheck fetches itself (beacon fetch %d)", seq, src.Round, seq)
	case sub == "fetch" && src.Kind != beacon.KindDrand:
		return usageError("beacon fetch: announcement %d names a text result (%s): enter it with beacon enter %d VALUE", seq, src.Description, seq)
	case sub == "enter":
		tpl, err := beacon.ParseTemplate(src.Template)
		if err != nil {
			return err
		}
		text, err := tpl.Normalize(pos[1])
		if err != nil {
			return badInput(fmt.Errorf("beacon enter %d: %w", seq, err))
		}
		v = beacon.Value{Kind: beacon.KindText, Text: text}
	default:
		if v, err = fetchRound(ctx, cfg, a, logger); err != nil {
			return fmt.Errorf("beacon fetch %d: %w", seq, err)
		}
	}
	sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), logger, scheduler.Options{})
	if err != nil {
		return badInput(err)
	}
	plan, err := sched.DrawAnnounced(ctx, seq, v, *dryRun)
	var drawErr *scheduler.DrawError
	switch {
	case errors.As(err, &drawErr) && !*dryRun:
		return fmt.Errorf("beacon %s: %w; recorded as the announcement's one draw, failed (its fire too): fix the inspectors or the schedule, then announce a new draw with: spotcheck plan run %s", sub, err, a.Schedule)
	case errors.As(err, &drawErr):
		return fmt.Errorf("beacon %s --dry-run: %w; the real draw would fail the same way", sub, err)
	case errors.Is(err, storage.ErrDrawn):
		return fmt.Errorf("beacon %s: %w; an announcement has exactly one plan", sub, err)
	case errors.Is(err, publication.ErrBeaconTooEarly):
		return badInput(fmt.Errorf("beacon %s: %w", sub, err))
	case err != nil:
		return badInput(fmt.Errorf("beacon %s: %w", sub, err))
	}
	if !*dryRun && *format == "table" {
		fmt.Fprintf(e.stdout, "announcement %d: plan %d drawn with %s\n", seq, plan.ID, describeValue(v))
	}
	return printPlan(e.stdout, plan, cfg, *format)
}

// fetchRound fetches and verifies the drand round announcement a names
// from its schedule's relays.
func fetchRound(ctx context.Context, cfg *config.Config, a storage.Announcement, logger *slog.Logger) (beacon.Value, error) {
	sc := cfg.Schedule(a.Schedule)
	if sc == nil || sc.Beacon == nil || sc.Beacon.Kind != beacon.KindDrand {
		return beacon.Value{}, fmt.Errorf("schedule %s of the announcement has no drand beacon in the configuration", a.Schedule)
	}
	chain, ok := beacon.KnownChain(a.Published.Beacon.Chain)
	if !ok {
		return beacon.Value{}, fmt.Errorf("drand chain %s is not pinned", a.Published.Beacon.Chain)
	}
	ver, err := beacon.NewVerifier(chain)
	if err != nil {
		return beacon.Value{}, err
	}
	relays, err := beacon.NewRelays(sc.Beacon.Relays, ver, beacon.RelayOptions{}, logger)
	if err != nil {
		return beacon.Value{}, err
	}
	r, _, err := relays.Fetch(ctx, a.Published.Beacon.Round)
	if err != nil {
		return beacon.Value{}, err
	}
	return beacon.Value{Kind: beacon.KindDrand, Chain: chain.Hash, Round: r.Round, Signature: r.Signature, Randomness: r.Randomness}, nil
}

func describeValue(v beacon.Value) string {
	if v.Kind == beacon.KindText {
		return fmt.Sprintf("the public result %q", v.Text)
	}
	return fmt.Sprintf("drand round %d (randomness %s)", v.Round, v.Randomness)
}

// cmdKey prints the public key that signs announcements and records, with
// its fingerprint, for publishing through channels other than this server.
func cmdKey(ctx context.Context, args []string, e env) error {
	c := newCommand("key", "key", e)
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	key, err := store.SigningKey(ctx, e.now())
	if err != nil {
		return err
	}
	pub := key.Public().(ed25519.PublicKey)
	fmt.Fprintf(e.stdout, "public key   %s\nfingerprint  %s\n", hex.EncodeToString(pub), publication.KeyFingerprint(pub))
	fmt.Fprintln(e.stdout, "Publish the fingerprint through channels this server does not control (the bureau's website, its gazette):")
	fmt.Fprintln(e.stdout, "a signature proves who made a record only against a key the public got elsewhere. See docs/access.md.")
	return nil
}

// printAnnounced reports the announcement a beacon schedule's fire just
// made: the newest of the chain.
func printAnnounced(ctx context.Context, e env, store *storage.Store, cfg *config.Config) error {
	anns, err := store.Announcements(ctx, storage.AnnouncementFilter{})
	if err != nil || len(anns) == 0 {
		return fmt.Errorf("plan run: announcement not found: %v", err)
	}
	a := anns[len(anns)-1]
	src := a.Published.Beacon
	fmt.Fprintf(e.stdout, "announcement %d (hash %s): frame of %d units (digest %s) frozen\n", a.Sequence, a.Hash, a.Published.FrameSize, a.Published.FrameDigest)
	if src.Kind == beacon.KindDrand {
		fmt.Fprintf(e.stdout, "the plan is drawn from drand %s round %d, published %s; serve fetches it (or: spotcheck beacon fetch %d)\n",
			src.ChainName, src.Round, src.RoundTime.In(cfg.Location).Format("2006-01-02 15:04:05 MST"), a.Sequence)
		return nil
	}
	fmt.Fprintf(e.stdout, "the plan is drawn from %s, expected %s, written %q: spotcheck beacon enter %d VALUE\n",
		src.Description, src.ExpectedAt.In(cfg.Location).Format("2006-01-02 15:04 MST"), src.Template, a.Sequence)
	return nil
}
