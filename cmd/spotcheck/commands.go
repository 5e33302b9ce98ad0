package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/chores"
	"spotcheck/config"
	"spotcheck/csvimport"
	"spotcheck/monitor"
	"spotcheck/notify"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
)

func cmdMigrate(ctx context.Context, args []string, e env) error {
	c := newCommand("migrate", "migrate [--db URL]", e)
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelInfo))
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(e.stdout, "database %s is up to date\n", storage.Redact(c.db))
	return nil
}

func cmdImport(ctx context.Context, args []string, e env) error {
	c := newCommand("import", "import enterprises|inspectors|results FILE [--encoding auto|utf-8|gb18030]", e)
	c.pathArgs = true
	encoding := c.fs.String("encoding", "auto", "character encoding of FILE: auto (UTF-8, with or without BOM, else GB18030), utf-8 or gb18030")
	pos, err := c.parse(args, 2, 2)
	if err != nil {
		return helpOK(err)
	}
	kind, path := pos[0], pos[1]
	if kind != "enterprises" && kind != "inspectors" && kind != "results" {
		return usageError("import: unknown kind %q (want enterprises, inspectors or results)", kind)
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	if kind != "results" && len(cfg.Industries) == 0 {
		return usageError("import %s: industries and categories are checked against the configuration, which has none: pass --config FILE (or set SPOTCHECK_CONFIG)", kind)
	}
	var r io.Reader = e.stdin
	size := int64(-1)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return badInput(fmt.Errorf("import %s: %w", kind, err))
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		r = f
	}
	opts := csvimport.Options{Encoding: *encoding, Industries: industryCategories(cfg), Counties: cfg.Counties}
	if kind == "results" {
		return importResults(ctx, c, e, cfg, path, r, size, opts)
	}
	if kind == "enterprises" {
		return importRegistry(ctx, c, e, kind, "units", path, r, size, opts, csvimport.ReadEnterprises, (*storage.Store).ImportUnits)
	}
	return importRegistry(ctx, c, e, kind, "inspectors", path, r, size, opts, csvimport.ReadInspectors, (*storage.Store).ImportInspectors)
}

// importGCPercent is the collector's setting while a registry streams in
// (see importRegistry).
const importGCPercent = 400

// importRegistry imports a registry file of kind (enterprises or
// inspectors) as it is read: a bad header is refused before the database
// is opened, then the rows read stream into the store with store
// (ImportUnits or ImportInspectors), which checks them as a set and
// stores them all, or nothing. Every problem of the file and of the set
// is reported, as bad input, in file order. A progress bar shows while the
// file is read, a spinner while the store checks and writes; the count
// stored is printed as of what (units or inspectors).
func importRegistry[T any](ctx context.Context, c *command, e env, kind, what, path string, r io.Reader, size int64, opts csvimport.Options,
	read func(string, io.Reader, csvimport.Options) (*csvimport.Rows[T], error),
	store func(*storage.Store, context.Context, iter.Seq2[int, T], func([]storage.LineProblem) error) (int, error)) error {
	r, doneReading := readProgress(e, r, size, "importing "+kind)
	defer doneReading()
	// The rows stream through in small batches, so the live heap stays a
	// few megabytes whatever the file's size; but each row leaves small
	// objects behind (its record, the database driver's arguments), and a
	// collection each time the heap doubles from so little cost about a
	// quarter of the import's processor time. Collecting when it has grown
	// five times over costs a fraction of that and some 15 MB more,
	// still independent of the file's size. GOGC, when set, decides.
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(importGCPercent))
	}
	rows, err := read(path, r, opts)
	if err != nil {
		return badInput(err)
	}
	s, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer s.Close()
	doneStoring := func() {}
	defer func() { doneStoring() }()
	all := func(yield func(int, T) bool) {
		for line, v := range rows.All() {
			if !yield(line, v) {
				return
			}
		}
		doneReading()
		doneStoring = spin(e, "checking and storing "+kind)
	}
	n, err := store(s, ctx, all, func(problems []storage.LineProblem) error {
		set := make([]*csvimport.RowError, len(problems))
		for i, p := range problems {
			set[i] = rows.RowError(p.Line, p.Field, p.Reason)
		}
		return badInput(rows.Err(set...))
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d %s from %s\n", n, what, rows.Name())
	return nil
}

// importResults parses a whole results file, then records it.
func importResults(ctx context.Context, c *command, e env, cfg *config.Config, path string, r io.Reader, size int64, opts csvimport.Options) error {
	r, doneReading := readProgress(e, r, size, "reading results")
	sheet, err := csvimport.Results(path, r, opts)
	doneReading()
	if err != nil {
		return badInput(err)
	}
	// Results are stored with the configuration's objection periods.
	s, err := c.openStore(ctx, newLogger(e, slog.LevelWarn), resultPolicy(cfg, e.now))
	if err != nil {
		return err
	}
	defer s.Close()
	done := spin(e, "storing results")
	n, err := s.RecordResults(storage.WithActor(ctx, cliActor(e)), sheet.Rows, e.now().In(cfg.Location))
	done()
	var rej *storage.RejectedError
	if errors.As(err, &rej) {
		errs := make([]error, len(rej.Problems))
		for i, p := range rej.Problems {
			errs[i] = sheet.RowError(p.Index, p.Field, p.Reason)
		}
		return badInput(fmt.Errorf("%s rejected, nothing stored:\n%w", sheet.Name, errors.Join(errs...)))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d results from %s (%d already recorded)\n", n, sheet.Name, len(sheet.Rows)-n)
	return nil
}

// industryCategories lists the configured industries' categories, or nil
// when the configuration has none.
func industryCategories(cfg *config.Config) map[string][]string {
	if len(cfg.Industries) == 0 {
		return nil
	}
	m := make(map[string][]string, len(cfg.Industries))
	for _, ind := range cfg.Industries {
		for _, c := range ind.Categories {
			m[ind.ID] = append(m[ind.ID], c.ID)
		}
	}
	return m
}

func cmdPlanRun(ctx context.Context, args []string, e env) error {
	c := newCommand("plan run", "plan run SCHEDULE [--dry-run] [--seed HEX] [--seed-from TEXT] [--format table|json]", e)
	dryRun := c.fs.Bool("dry-run", false, "draw the plan and print it without storing anything")
	format := c.formatFlag("output format: table or json", "table", "json")
	seedHex := c.fs.String("seed", "", "with --dry-run: draw with this seed (64 hex digits) instead of a random one")
	seedFrom := c.fs.String("seed-from", "", "draw with the SHA-256 of this public text as the seed, such as a lottery result; stored with the plan")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	seed, err := runSeed(*seedHex, *seedFrom, *dryRun)
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	if cfg.Schedule(pos[0]) == nil {
		return usageError("plan run: no schedule %q in the configuration (%s)", pos[0], scheduleNames(cfg))
	}
	logger := newLogger(e, slog.LevelWarn)
	store, err := c.openStore(ctx, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	// The plan's messages wait in the outbox for a serve replica to send.
	sched, err := scheduler.New(cfg, store, prometheus.NewRegistry(), logger, scheduler.Options{Notices: notify.Notices(cfg)})
	if err != nil {
		return badInput(err)
	}
	done := spin(e, "drawing a plan of "+pos[0])
	req := scheduler.FireRequest{Schedule: pos[0], Kind: sampling.KindManual, NominalTime: e.now().Truncate(time.Millisecond),
		RequestedBy: cliActor(e), Seed: seed}
	var plan sampling.Plan
	made := false
	if *dryRun {
		plan, err = sched.DryRun(ctx, req)
	} else {
		plan, made, err = sched.Fire(ctx, req)
	}
	done()
	if errors.Is(err, storage.ErrPaused) {
		return fmt.Errorf("plan run: %w; resume it with: spotcheck schedule resume %s", err, pos[0])
	}
	if errors.Is(err, scheduler.ErrBeaconSchedule) {
		return usageError("plan run: %v", err)
	}
	if err != nil {
		return err
	}
	if !*dryRun && !made {
		return fmt.Errorf("plan run: this fire is already in the ledger")
	}
	if cfg.Schedule(pos[0]).Seed == config.SeedBeacon {
		return printAnnounced(ctx, e, store, cfg)
	}
	return printPlan(e.stdout, plan, cfg, *format)
}

func cmdPlanShow(ctx context.Context, args []string, e env) error {
	c := newCommand("plan show", "plan show ID [--format table|json|csv] [--exclusions]", e)
	format := c.formatFlag("output format: table, json or csv", "table", "json", "csv")
	exclusions := c.fs.Bool("exclusions", false, "list the units the no-repeat rule left out of the plan's frame, with the reason, instead of the tasks")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	id, err := planArg("plan show", pos[0])
	if err != nil {
		return err
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
	if *exclusions {
		return printExclusions(ctx, e.stdout, store, id, cfg, *format)
	}
	plan, err := store.Plan(ctx, id)
	if err != nil {
		return err
	}
	return printPlan(e.stdout, plan, cfg, *format)
}

func cmdPlans(ctx context.Context, args []string, e env) error {
	c := newCommand("plans", "plans [--schedule S] [--limit N] [--format table|json]", e)
	schedule := c.fs.String("schedule", "", "only this schedule's plans")
	limit := c.fs.Int("limit", 20, "at most this many plans, newest first")
	format := c.formatFlag("output format: table or json (json includes tasks)", "table", "json")
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
	plans, err := store.Plans(ctx, storage.PlanFilter{Schedule: *schedule, Limit: *limit, WithTasks: *format == "json"})
	if err != nil {
		return err
	}
	if len(plans) == 0 && *schedule != "" && cfg.Schedule(*schedule) == nil {
		return usageError("plans: --schedule %q: no such schedule, and no plan of that name is stored (%s)", *schedule, scheduleNames(cfg))
	}
	for i := range plans {
		cfg.Localize(&plans[i])
	}
	if *format == "json" {
		if plans == nil {
			plans = []sampling.Plan{}
		}
		return writeJSON(e.stdout, plans)
	}
	t := newTable(e.stdout, "ID", "SCHEDULE", "INDUSTRY", "KIND", "NOMINAL TIME", "STATUS", "TASKS/FRAME")
	for _, p := range plans {
		t.row(strconv.FormatInt(p.ID, 10), p.Schedule, p.Industry, p.Kind, p.NominalTime.Format(tableSeconds), p.Status,
			fmt.Sprintf("%d/%d", p.TaskCount, p.FrameSize))
	}
	return t.flush()
}

func cmdRates(ctx context.Context, args []string, e env) error {
	c := newCommand("rates", "rates [--window W] [--by tier|industry|category|county] [--industry ID] [--county NAME] [--final] [--format table|json] | rates rebuild [--check]", e)
	window := c.fs.String("window", "", "only this window (default: all configured windows)")
	industry := c.fs.String("industry", "", "count only this industry's batches (its id)")
	county := c.fs.String("county", "", "count only the batches of enterprises in this county")
	by := c.fs.String("by", "tier", "grouping: tier, industry, category or county")
	final := c.fs.Bool("final", false, "count final results only, leaving out those still open to objection")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	opts := sampling.RateOptions{By: *by, FinalOnly: *final, Industry: *industry, County: *county}
	if err := flagProblems("rates", monitor.CheckQuery(cfg, *window, opts)); err != nil {
		return err
	}
	logger := newLogger(e, slog.LevelWarn)
	store, err := c.openStore(ctx, logger, resultPolicy(cfg, e.now))
	if err != nil {
		return err
	}
	defer store.Close()
	mon := monitor.New(cfg, store, e.now, logger)
	// As serve's chores do: results whose objection period has ended are
	// final before the snapshot is read.
	if err := chores.New(cfg, store, mon, logger, chores.Options{Now: e.now}).Refresh(ctx); err != nil {
		return err
	}
	rep := mon.Report(*window, opts)
	if *format == "json" {
		return writeJSON(e.stdout, rep)
	}
	if len(rep.Rates) == 0 {
		return whyNoRates(ctx, e, store, opts)
	}
	printRates(e, rep.Rates, rep.Stability, *by)
	return nil
}

// whyNoRates says on stderr why there are no rates: no results yet, or,
// for final rates, results that are all still open to objection and until
// when.
func whyNoRates(ctx context.Context, e env, store *storage.Store, opts sampling.RateOptions) error {
	final := opts.FinalOnly
	prov, err := store.ProvisionalResults(ctx)
	if err != nil {
		return err
	}
	switch {
	case final && prov.Count > 0 && prov.First == prov.Last:
		fmt.Fprintf(e.stderr, "no final results yet: %d results are still provisional, open to objection until %s (final from the day after)\n", prov.Count, prov.First)
	case final && prov.Count > 0:
		fmt.Fprintf(e.stderr, "no final results yet: %d results are still provisional, open to objection until %s to %s (each final from the day after its own)\n", prov.Count, prov.First, prov.Last)
	case opts.Filtered():
		var of []string
		if opts.Industry != "" {
			of = append(of, fmt.Sprintf("of industry %q", opts.Industry))
		}
		if opts.County != "" {
			of = append(of, fmt.Sprintf("in county %q", opts.County))
		}
		fmt.Fprintf(e.stderr, "no results %s recorded in the configured windows\n", strings.Join(of, " "))
	default:
		fmt.Fprintln(e.stderr, "no results recorded in the configured windows yet")
	}
	return nil
}

// printRates writes the rate rows, then each tier's stability, as tables.
func printRates(e env, rows []sampling.RateRow, stability []sampling.StabilityRow, by string) {
	header := []string{"WINDOW", "TIER"}
	if by != sampling.ByTier {
		header = append(header, strings.ToUpper(by))
	}
	t := newTable(e.stdout, append(header, "BATCHES", "FAILED", "PROV", "RATE", "95% BOUNDS", "P(<TARGET)", "WEIGHTED", "TARGET", "STATUS")...)
	for _, r := range rows {
		cells := []string{r.Window, r.Tier}
		switch by {
		case sampling.ByIndustry:
			cells = append(cells, r.Industry)
		case sampling.ByCategory:
			cells = append(cells, r.Industry+"/"+r.Category)
		case sampling.ByCounty:
			cells = append(cells, r.County)
		}
		weighted := "-"
		if r.WeightedRate != nil {
			weighted = pct(*r.WeightedRate)
		}
		status := r.Status
		if len(r.Excluded) > 0 {
			// The categories below min_category_batches are not in the mean.
			status += fmt.Sprintf(" (%d left out: %s)", len(r.Excluded), strings.Join(r.Excluded, ", "))
		}
		t.row(append(cells, strconv.Itoa(r.Batches), strconv.Itoa(r.Failed), strconv.Itoa(r.Provisional), pct(r.Rate),
			pct(r.Lower)+" – "+pct(r.Upper), strconv.FormatFloat(r.PBelowTarget, 'f', 3, 64), weighted, pct(r.Target), status)...)
	}
	t.flush()
	for _, s := range stability {
		fmt.Fprintf(e.stdout, "\nstability of %s (target %s in %s, judged from %d batches): %s\n", s.Tier, pct(s.Target), s.Rule, s.MinBatches, s.Status)
		t := newTable(e.stdout, "PERIOD", "FROM", "TO", "BATCHES", "FAILED", "RATE", "95% BOUNDS", "P(<TARGET)", "STATUS")
		for _, p := range s.Periods {
			t.row(p.Period, p.From.String(), p.To.String(), strconv.Itoa(p.Batches), strconv.Itoa(p.Failed), pct(p.Rate),
				pct(p.Lower)+" – "+pct(p.Upper), strconv.FormatFloat(p.PBelowTarget, 'f', 3, 64), p.Status)
		}
		t.flush()
	}
}

// flagProblems is a usage error listing every problem of command's flags,
// each as "command: --flag reason", or nil when there are none.
func flagProblems(command string, problems []sampling.FieldError) error {
	if len(problems) == 0 {
		return nil
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		sep := ": "
		if strings.HasPrefix(p.Reason, `"`) {
			sep = " "
		}
		lines[i] = command + ": --" + p.Field + sep + p.Reason
	}
	return usageError("%s", strings.Join(lines, "\n"))
}

func scheduleNames(cfg *config.Config) string {
	if len(cfg.Schedules) == 0 {
		return "none configured; pass --config FILE"
	}
	names := make([]string, len(cfg.Schedules))
	for i, s := range cfg.Schedules {
		names[i] = s.Name
	}
	return "known: " + strings.Join(names, ", ")
}
