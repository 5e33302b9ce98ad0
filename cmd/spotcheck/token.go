package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

const tokenUsage = `Usage:
  spotcheck token create --role admin|inspector|viewer [--inspector ID] [--feed] [--expires 90d] [--note TEXT]
  spotcheck token list [--format table|json]
  spotcheck token revoke ID`

func cmdToken(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, tokenUsage)
		return usageError("token: want a subcommand: create, list or revoke")
	}
	switch args[0] {
	case "create":
		return cmdTokenCreate(ctx, args[1:], e)
	case "list":
		return cmdTokenList(ctx, args[1:], e)
	case "revoke":
		return cmdTokenRevoke(ctx, args[1:], e)
	case "-h", "--help":
		fmt.Fprintln(e.stdout, tokenUsage)
		return nil
	}
	return usageError("token: unknown subcommand %q (want create, list or revoke)", args[0])
}

// cliActor names who runs the CLI, for records of what it changed.
func cliActor(e env) string {
	if u := e.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func cmdTokenCreate(ctx context.Context, args []string, e env) error {
	c := newCommand("token create", "token create --role admin|inspector|viewer [--inspector ID] [--feed] [--expires 90d] [--note TEXT]", e)
	role := c.fs.String("role", "", "admin (everything), inspector (own tasks), or viewer (rates and plans, no tasks)")
	inspector := c.fs.String("inspector", "", "the inspector's id; required with --role inspector")
	feed := c.fs.Bool("feed", false, "a read-only calendar feed token, for GET /api/v1/tasks.ics?token=… (inspectors)")
	expires := c.fs.String("expires", "never", "lifetime such as 90d or 12h, or never")
	note := c.fs.String("note", "", "what the token is for, shown by token list")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	var ttl time.Duration
	if *expires != "never" {
		d, err := config.ParseDuration(*expires)
		if err != nil || d == 0 {
			return usageError("token create: --expires %q: want a lifetime such as 90d, 12h or 30m, or never", *expires)
		}
		ttl = d
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
	secret, t, err := store.CreateToken(ctx, storage.NewToken{Role: sampling.Role(*role), Inspector: *inspector, Feed: *feed, Note: *note,
		CreatedBy: cliActor(e), TTL: ttl}, e.now())
	var invalid *storage.FieldsError
	if errors.Is(err, storage.ErrNotFound) || errors.As(err, &invalid) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	what := string(t.Role)
	if t.Inspector != "" {
		what += " " + t.Inspector
	}
	if t.Feed {
		what += " (calendar feed: subscribe to https://HOST/api/v1/tasks.ics?token=<the token>)"
	}
	exp := "never expires"
	if t.ExpiresAt != nil {
		exp = "expires " + t.ExpiresAt.In(cfg.Location).Format(tableTime)
	}
	fmt.Fprintf(e.stderr, "token %s for %s, %s; it is shown only now\n", t.ID, what, exp)
	return nil
}

func cmdTokenList(ctx context.Context, args []string, e env) error {
	c := newCommand("token list", "token list [--format table|json]", e)
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
	tokens, err := store.Tokens(ctx)
	if err != nil {
		return err
	}
	for i := range tokens {
		tokens[i].Localize(cfg.Location)
	}
	if *format == "json" {
		if tokens == nil {
			tokens = []storage.Token{}
		}
		return writeJSON(e.stdout, tokens)
	}
	when := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.Format(tableTime)
	}
	t := newTable(e.stdout, "ID", "ROLE", "INSPECTOR", "FEED", "STATE", "CREATED", "EXPIRES", "LAST USED", "NOTE")
	for _, tok := range tokens {
		state := "valid"
		switch {
		case tok.RevokedAt != nil:
			state = "revoked " + when(tok.RevokedAt, "")
		case !tok.Valid(e.now()):
			state = "expired"
		}
		feed := ""
		if tok.Feed {
			feed = "yes"
		}
		t.row(tok.ID, string(tok.Role), tok.Inspector, feed, state, when(&tok.CreatedAt, ""), when(tok.ExpiresAt, "never"), when(tok.LastUsedAt, "-"), tok.Note)
	}
	return t.flush()
}

func cmdTokenRevoke(ctx context.Context, args []string, e env) error {
	c := newCommand("token revoke", "token revoke ID", e)
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.RevokeToken(ctx, pos[0], e.now()); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return badInput(err)
		}
		return err
	}
	fmt.Fprintln(e.stdout, "token revoked")
	return nil
}
