package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"spotcheck/chores"
	"spotcheck/monitor"
	"spotcheck/sampling"
)

// cmdExecution prints how much of each schedule's plans was carried out,
// per window: planned, tested, refused, lapsed and open tasks.
func cmdExecution(ctx context.Context, args []string, e env) error {
	c := newCommand("execution", "execution [--schedule S] [--window W] [--format table|json]", e)
	schedule := c.fs.String("schedule", "", "only this schedule (default: all)")
	window := c.fs.String("window", "", "only this window (default: all configured windows)")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	var problems []string
	if *window != "" && !slices.Contains(cfg.Windows, *window) {
		problems = append(problems, fmt.Sprintf("execution: --window %q is not a configured window (%s)", *window, strings.Join(cfg.Windows, ", ")))
	}
	if *schedule != "" && cfg.Schedule(*schedule) == nil {
		problems = append(problems, fmt.Sprintf("execution: --schedule %q is not a configured schedule (%s)", *schedule, scheduleNames(cfg)))
	}
	if len(problems) > 0 {
		return usageError("%s", strings.Join(problems, "\n"))
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
	rows := monitor.ExecutionOf(mon.Snapshot(), *schedule, *window)
	if *format == "json" {
		return writeJSON(e.stdout, rows)
	}
	t := newTable(e.stdout, "SCHEDULE", "WINDOW", "PLANNED", "TESTED", "REFUSED", "LAPSED", "OPEN", "EXECUTED")
	for _, r := range rows {
		ratio := "-"
		if r.Ratio != nil {
			ratio = pct(*r.Ratio)
		}
		cells := []string{r.Schedule, r.Window}
		for _, o := range sampling.ExecutionOutcomes() {
			cells = append(cells, strconv.Itoa(r.Count(o)))
		}
		t.row(append(cells, ratio)...)
	}
	return t.flush()
}
