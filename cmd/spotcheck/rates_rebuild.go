package main

import (
	"context"
	"fmt"
	"log/slog"
)

// cmdRatesRebuild recomputes the rollups from the raw results.
func cmdRatesRebuild(ctx context.Context, args []string, e env) error {
	c := newCommand("rates rebuild", "rates rebuild [--check] [--db URL]", e)
	check := c.fs.Bool("check", false, "only compare the rollups with a rebuild; exit 1 when they differ")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	if *check {
		done := spin(e, "comparing the rollups with a rebuild")
		rep, err := store.CheckRollups(ctx)
		done()
		if err != nil {
			return err
		}
		if rep.Changed > 0 {
			return fmt.Errorf("rollups: %d of %d rows differ from the raw results; run spotcheck rates rebuild", rep.Changed, rep.Rows)
		}
		fmt.Fprintf(e.stdout, "rollups: %d rows, all equal to a rebuild from the raw results\n", rep.Rows)
		return nil
	}
	done := spin(e, "rebuilding the rollups from the raw results")
	rep, err := store.RebuildRollups(ctx)
	done()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rollups rebuilt from the raw results: %d rows, %d of them corrected\n", rep.Rows, rep.Changed)
	return nil
}
