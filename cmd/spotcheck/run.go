package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"spotcheck/config"
	"spotcheck/demo"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// env is everything run takes from the process: main is the only place
// that reads os.*.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// terminal reports that stderr is a terminal: long work shows its
	// progress there (progress.go).
	terminal bool
}

const usage = `spotcheck draws randomized spot-check plans, records results and exports pass rates.

Usage:
  spotcheck serve [--listen ADDR] [--demo]       run the scheduler, HTTP API and /metrics
  spotcheck migrate                              apply database migrations
  spotcheck version                              print the version
  spotcheck import enterprises|inspectors|results FILE   import a CSV file (- for stdin)
  spotcheck schedules [--format table|json]      list schedules: next fires, last fire, pause state
  spotcheck schedule pause NAME --reason TEXT    pause a schedule for every replica (resume NAME)
  spotcheck schedule history NAME                the schedule's fire ledger: made, missed, failed, skipped
  spotcheck plan run SCHEDULE [--dry-run] [--seed-from TEXT]   fire a schedule now
  spotcheck plan show ID [--format table|json|csv] [--exclusions]
  spotcheck plan verify ID                       re-derive a plan from stored data (exit 0 match, 1 mismatch)
  spotcheck plan verify --from FILE              verify a saved public record without the database
  spotcheck plans [--schedule S] [--format table|json]
  spotcheck rates [--window W] [--by tier|industry|category|county] [--industry ID] [--county NAME] [--final] [--format table|json]
  spotcheck rates rebuild [--check]              recompute the rollups from the raw results
  spotcheck execution [--schedule S] [--window W] [--format table|json]   how much of the plans was carried out
  spotcheck bulletin PERIOD [--format html|json|pdf] [--public] [--lang zh|en]   the quality bulletin of 2026, 2026Q4 or 2026-11
  spotcheck result history|correct|object TASK_ID   a result's versions; correct it; record an objection
  spotcheck audit verify [--expect-head HASH]    check the audit chain and the results against it
  spotcheck token create|list|revoke             bearer tokens of the API (see docs/access.md)
  spotcheck notifications [--status S] [--plan ID]   the outbox: messages to inspectors, attempts, last errors
  spotcheck notifications retry ID...|--all-failed   send failed messages again
  spotcheck aql --lot N [--level II] --aql A     ISO 2859-1 single sampling plan for a lot
  spotcheck announcements [--awaiting]           the chain of announced draws (seed: beacon schedules)
  spotcheck beacon enter SEQ VALUE | fetch SEQ   give an announced draw its beacon value; the plan is drawn once
  spotcheck key                                  the signing key's fingerprint, to publish elsewhere

Every command takes --db URL (env SPOTCHECK_DATABASE; default sqlite:spotcheck.db)
and --config FILE (env SPOTCHECK_CONFIG). Run spotcheck COMMAND --help for more.
`

// run executes the command line args. It returns an *exitError for usage
// and input errors.
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return usageError("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return nil
	case "serve":
		return cmdServe(ctx, rest, e)
	case "migrate":
		return cmdMigrate(ctx, rest, e)
	case "version", "--version":
		return cmdVersion(rest, e)
	case "import":
		return cmdImport(ctx, rest, e)
	case "schedules":
		return cmdSchedules(ctx, rest, e)
	case "schedule":
		return cmdSchedule(ctx, rest, e)
	case "plan":
		if len(rest) == 0 {
			return usageError("plan: want a subcommand: run SCHEDULE, show ID, verify ID")
		}
		switch rest[0] {
		case "run":
			return cmdPlanRun(ctx, rest[1:], e)
		case "show":
			return cmdPlanShow(ctx, rest[1:], e)
		case "verify":
			return cmdPlanVerify(ctx, rest[1:], e)
		case "-h", "--help":
			fmt.Fprintln(e.stdout, "Usage: spotcheck plan run SCHEDULE [--dry-run] | spotcheck plan show ID | spotcheck plan verify ID")
			return nil
		}
		return usageError("plan: unknown subcommand %q (want run, show or verify)", rest[0])
	case "plans":
		return cmdPlans(ctx, rest, e)
	case "rates":
		if len(rest) > 0 && rest[0] == "rebuild" {
			return cmdRatesRebuild(ctx, rest[1:], e)
		}
		return cmdRates(ctx, rest, e)
	case "execution":
		return cmdExecution(ctx, rest, e)
	case "bulletin":
		return cmdBulletin(ctx, rest, e)
	case "token":
		return cmdToken(ctx, rest, e)
	case "notifications":
		return cmdNotifications(ctx, rest, e)
	case "result":
		return cmdResult(ctx, rest, e)
	case "audit":
		return cmdAudit(ctx, rest, e)
	case "aql":
		return cmdAQL(rest, e)
	case "announcements":
		return cmdAnnouncements(ctx, rest, e)
	case "beacon":
		return cmdBeacon(ctx, rest, e)
	case "key":
		return cmdKey(ctx, rest, e)
	}
	fmt.Fprint(e.stderr, usage)
	return usageError("unknown command %q", cmd)
}

// command is one subcommand's flags, with the flags every command shares.
type command struct {
	fs         *flag.FlagSet
	db         string
	configPath string
	synopsis   string
	e          env
	format     *string  // set by formatFlag
	formats    []string // the values --format accepts
	// pathArgs marks commands whose positional arguments are file names,
	// which parse leaves to the file system.
	pathArgs bool
}

// checkArgs checks the text of every flag given and every positional
// argument as every stored text is checked (sampling.CheckText): valid
// UTF-8, no NUL or other control characters, at most 200 characters (500,
// with line breaks and tabs, for --note and --failed-items), so that a bad
// value is a usage error naming the flag or argument rather than a
// database error or a silent repair.
func (c *command) checkArgs(pos []string) error {
	// pathFlags name files or URLs, left to the file system and the
	// database driver; multilineFlags may hold line breaks and tabs.
	pathFlags := []string{"db", "config", "from", "tls-cert", "tls-key"}
	multilineFlags := []string{"note", "failed-items"}
	var problems []string
	check := func(what, v string, multiline bool) {
		field := "argument" // the default rule: one line of at most 200 characters
		if multiline {
			field = "note"
		}
		if e := sampling.CheckText(field, v); e != nil {
			problems = append(problems, fmt.Sprintf("%s: %s: %s", c.fs.Name(), what, e.Reason))
		}
	}
	c.fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(pathFlags, f.Name) {
			check("--"+f.Name, f.Value.String(), slices.Contains(multilineFlags, f.Name))
		}
	})
	if !c.pathArgs {
		for i, p := range pos {
			check(fmt.Sprintf("argument %d (%s)", i+1, strconv.QuoteToASCII(p)), p, false)
		}
	}
	if len(problems) > 0 {
		return usageError("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// formatFlag adds --format, accepting allowed (the first is the default);
// parse rejects other values.
func (c *command) formatFlag(usage string, allowed ...string) *string {
	c.format, c.formats = c.fs.String("format", allowed[0], usage), allowed
	return c.format
}

func newCommand(name, synopsis string, e env) *command {
	c := &command{fs: flag.NewFlagSet(name, flag.ContinueOnError), e: e}
	// The flag package would print its own message and usage on a parse
	// error or -h; parse prints the usage once, to stdout for --help and to
	// stderr for an error, and main prints the error.
	c.fs.SetOutput(io.Discard)
	c.fs.StringVar(&c.db, "db", "", "database URL: sqlite:PATH or postgres://... (env SPOTCHECK_DATABASE; default sqlite:spotcheck.db)")
	c.fs.StringVar(&c.configPath, "config", "", "configuration file (env SPOTCHECK_CONFIG)")
	c.synopsis = synopsis
	return c
}

// usage prints the command's synopsis and flags to w.
func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: spotcheck %s\n\nFlags:\n", c.synopsis)
	c.fs.SetOutput(w)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
}

// errHelp reports that --help was asked for and printed.
var errHelp = errors.New("help shown")

// parse parses flags that may come before or after positional arguments,
// as users of git and kubectl expect, and checks the number of positionals.
func (c *command) parse(args []string, minArgs, maxArgs int) ([]string, error) {
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.usage(c.e.stdout)
				return nil, errHelp
			}
			c.usage(c.e.stderr)
			return nil, &exitError{code: 2, err: err}
		}
		args = c.fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minArgs || len(pos) > maxArgs {
		c.usage(c.e.stderr)
		return nil, usageError("%s: got %d arguments (%s), want %d to %d", c.fs.Name(), len(pos), strings.Join(pos, " "), minArgs, maxArgs)
	}
	if err := c.checkArgs(pos); err != nil {
		return nil, err
	}
	if c.format != nil && !slices.Contains(c.formats, *c.format) {
		return nil, usageError("--format %q: want %s", *c.format, strings.Join(c.formats, " or "))
	}
	if c.db == "" {
		c.db = c.e.getenv("SPOTCHECK_DATABASE")
	}
	if c.db == "" {
		c.db = "sqlite:spotcheck.db"
	}
	if c.configPath == "" {
		c.configPath = c.e.getenv("SPOTCHECK_CONFIG")
	}
	return pos, nil
}

// loadConfig returns the configuration file's; without one, the demo's
// when the database is the demo's (so that commands run against a running
// demo find its schedules), else the defaults.
func (c *command) loadConfig() (*config.Config, error) {
	if c.configPath == "" {
		if c.demoDatabase() {
			fmt.Fprintln(c.e.stderr, "spotcheck: using the demo's configuration: this database is the one of serve --demo (pass --config FILE for another)")
			return demo.Config(), nil
		}
		return config.Default(), nil
	}
	cfg, err := config.Load(c.configPath)
	if err != nil {
		return nil, badInput(err)
	}
	return cfg, nil
}

// openStore opens and migrates the database, with the policies opts give.
func (c *command) openStore(ctx context.Context, logger *slog.Logger, opts ...storage.Option) (*storage.Store, error) {
	s, err := storage.Open(ctx, c.db, logger, opts...)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// newLogger logs to stderr: text by default, JSON with
// SPOTCHECK_LOG_FORMAT=json; level from SPOTCHECK_LOG_LEVEL (info).
func newLogger(e env, defaultLevel slog.Level) *slog.Logger {
	level := defaultLevel
	if v := e.getenv("SPOTCHECK_LOG_LEVEL"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	opts := &slog.HandlerOptions{Level: level}
	if e.getenv("SPOTCHECK_LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// loadConfigOrDemo returns the demo's configuration when withDemo is set,
// else the file's (loadConfig); --demo and --config exclude each other.
func (c *command) loadConfigOrDemo(withDemo bool) (*config.Config, error) {
	if !withDemo {
		return c.loadConfig()
	}
	if c.configPath != "" {
		return nil, usageError("--demo brings its own configuration; leave out --config (and SPOTCHECK_CONFIG)")
	}
	return demo.Config(), nil
}

// demoDatabase reports whether the database exists and serve --demo has
// run on it. It never creates a SQLite file.
func (c *command) demoDatabase() bool {
	if path, ok := strings.CutPrefix(c.db, "sqlite:"); ok {
		if _, err := os.Stat(strings.TrimPrefix(path, "//")); err != nil {
			return false
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, c.db, slog.New(slog.DiscardHandler))
	if err != nil {
		return false
	}
	defer s.Close()
	isDemo, err := s.IsDemo(ctx)
	return err == nil && isDemo
}
