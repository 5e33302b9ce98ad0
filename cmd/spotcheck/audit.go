package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"spotcheck/storage"
)

func cmdAudit(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usageError("audit: want a subcommand: verify or log")
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, args[1:], e)
	case "log":
		return cmdAuditLog(ctx, args[1:], e)
	case "-h", "--help":
		fmt.Fprintln(e.stdout, "Usage: spotcheck audit verify [--expect-head HASH] | spotcheck audit log [--after SEQ] [--limit N] [--format table|json]")
		return nil
	}
	return usageError("audit: unknown subcommand %q (want verify or log)", args[0])
}

// cmdAuditVerify checks the audit chain and the results against it: exit 0
// when intact, 1 when not.
func cmdAuditVerify(ctx context.Context, args []string, e env) error {
	c := newCommand("audit verify", "audit verify [--expect-head HASH] [--format table|json]", e)
	head := c.fs.String("expect-head", "", "the head hash published earlier: the chain must end there")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := store.VerifyAudit(ctx, *head)
	if err != nil {
		return err
	}
	if *format == "json" {
		problems := rep.Problems
		if problems == nil {
			problems = []string{}
		}
		if err := writeJSON(e.stdout, map[string]any{"ok": rep.OK(), "entries": rep.Entries, "results": rep.Results,
			"legacy_results": rep.Legacy, "head_seq": rep.HeadSeq, "head_hash": rep.HeadHash, "problems": problems}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "%d audit entries, %d result versions checked", rep.Entries, rep.Results)
		if rep.Legacy > 0 {
			fmt.Fprintf(e.stdout, " (%d recorded before the audit log began, not covered)", rep.Legacy)
		}
		fmt.Fprintf(e.stdout, "\nhead: entry %d, hash %s\n", rep.HeadSeq, rep.HeadHash)
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, "PROBLEM: "+p)
		}
	}
	if !rep.OK() {
		return fmt.Errorf("audit verify: %d problems: the audit log or the results were tampered with", len(rep.Problems))
	}
	if *format != "json" {
		fmt.Fprintln(e.stdout, "ok: the chain is intact and the results match it")
	}
	return nil
}

func cmdAuditLog(ctx context.Context, args []string, e env) error {
	c := newCommand("audit log", "audit log [--after SEQ] [--limit N] [--format table|json]", e)
	after := c.fs.Int64("after", 0, "only entries after this seq")
	limit := c.fs.Int("limit", 100, "at most this many entries (0: all)")
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
	entries, err := store.AuditLog(ctx, *after, *limit)
	if err != nil {
		return err
	}
	// at stays as hashed (UTC), so that the chain can be checked from
	// the output; local is the same time in the configured zone.
	type shown struct {
		storage.AuditEntry
		Local string `json:"at_local"`
	}
	out := make([]shown, len(entries))
	for i, en := range entries {
		out[i] = shown{AuditEntry: en, Local: en.At}
		if at, err := time.Parse(time.RFC3339Nano, en.At); err == nil {
			out[i].Local = at.In(cfg.Location).Format(time.RFC3339Nano)
		}
	}
	if *format == "json" {
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "SEQ", "AT", "ACTOR", "ACTION", "ENTITY", "HASH")
	for _, en := range out {
		at := en.Local
		if parsed, err := time.Parse(time.RFC3339Nano, en.At); err == nil {
			at = parsed.In(cfg.Location).Format(tableSeconds)
		}
		t.row(strconv.FormatInt(en.Seq, 10), at, en.Actor, en.Action, en.Entity, en.Hash[:16]+"…")
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.stderr, "no audit entries")
	}
	return t.flush()
}
