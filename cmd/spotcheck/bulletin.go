package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"spotcheck/bulletin"
	"spotcheck/chores"
)

func cmdBulletin(ctx context.Context, args []string, e env) error {
	c := newCommand("bulletin", "bulletin PERIOD [--format html|json|pdf] [--public] [--lang zh|en] [--base-url URL] [--demo]\n\nPERIOD is a year (2026), a quarter (2026Q4) or a month (2026-11) in the configured time zone.", e)
	format := c.formatFlag("output format: html (one self-contained page), json or pdf (printed by headless Chromium)", "html", "json", "pdf")
	public := c.fs.Bool("public", false, "the public version: final results of closed plans only, no open plans")
	lang := c.fs.String("lang", bulletin.LangZH, "language of the html and pdf forms: zh or en")
	withDemo := c.fs.Bool("demo", false, "use the configuration of serve --demo")
	baseURL := c.fs.String("base-url", "", "where the service answers (https://...), for the links to the public draw records")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if !slices.Contains(bulletin.Langs(), *lang) {
		return usageError("bulletin: --lang %q: want %s", *lang, strings.Join(bulletin.Langs(), " or "))
	}
	period, err := bulletin.ParsePeriod(pos[0])
	if err != nil {
		return usageError("bulletin: %v", err)
	}
	chromium := ""
	if *format == "pdf" {
		if chromium, err = bulletin.FindChromium(e.getenv("PATH")); err != nil {
			return err
		}
	}
	cfg, err := c.loadConfigOrDemo(*withDemo)
	if err != nil {
		return err
	}
	logger := newLogger(e, slog.LevelWarn)
	store, err := c.openStore(ctx, logger, resultPolicy(cfg, e.now))
	if err != nil {
		return err
	}
	defer store.Close()
	// As `rates` does: make final the results whose objection period has
	// ended before reading.
	if _, err := chores.New(cfg, store, nil, logger, chores.Options{Now: e.now}).Finalize(ctx); err != nil {
		return err
	}
	b, err := bulletin.Build(ctx, store, cfg, bulletin.Request{Period: period, Now: e.now(), Public: *public})
	if errors.Is(err, bulletin.ErrNotBegun) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		return bulletin.JSON(e.stdout, b)
	}
	r, err := bulletin.NewRenderer(bulletin.CJKFonts())
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := r.HTML(&page, b, bulletin.HTMLOptions{Lang: *lang, BaseURL: *baseURL}); err != nil {
		return err
	}
	if *format == "html" {
		_, err := e.stdout.Write(page.Bytes())
		return err
	}
	pdf, err := bulletin.PDF(ctx, chromium, page.Bytes())
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(pdf)
	return err
}
