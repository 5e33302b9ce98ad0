package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"spotcheck/sampling"
	"spotcheck/storage"
)

const resultUsage = `Usage:
  spotcheck result history TASK_ID [--format table|json]
  spotcheck result correct TASK_ID --outcome pass|fail --tested-on DATE [--report-no N] [--failed-items I] --reason TEXT
  spotcheck result object TASK_ID --on DATE        the enterprise objected: the result waits for its retest
  spotcheck result object TASK_ID --withdraw       the objection was withdrawn`

func cmdResult(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usageError("result: want a subcommand: history, correct or object\n%s", resultUsage)
	}
	switch args[0] {
	case "history":
		return cmdResultHistory(ctx, args[1:], e)
	case "correct":
		return cmdResultCorrect(ctx, args[1:], e)
	case "object":
		return cmdResultObject(ctx, args[1:], e)
	case "-h", "--help":
		fmt.Fprintln(e.stdout, resultUsage)
		return nil
	}
	return usageError("result: unknown subcommand %q (want history, correct or object)", args[0])
}

func taskArg(cmd, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError("%s: task id %q is not a positive number", cmd, s)
	}
	return id, nil
}

func planArg(cmd, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, usageError("%s: plan id %q is not a number", cmd, s)
	}
	return id, nil
}

func cmdResultHistory(ctx context.Context, args []string, e env) error {
	c := newCommand("result history", "result history TASK_ID [--format table|json]", e)
	format := c.formatFlag("output format: table or json", "table", "json")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	id, err := taskArg("result history", pos[0])
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
	hist, err := store.ResultHistory(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return badInput(fmt.Errorf("task %d has no result", id))
	}
	if err != nil {
		return err
	}
	for i := range hist {
		hist[i].RecordedAt = hist[i].RecordedAt.In(cfg.Location)
	}
	if *format == "json" {
		return writeJSON(e.stdout, hist)
	}
	t := newTable(e.stdout, "VERSION", "KIND", "OUTCOME", "TESTED", "COUNTS ON", "STATE", "OBJECTION UNTIL", "OBJECTED", "BY", "REASON")
	for _, v := range hist {
		t.row(strconv.Itoa(v.Version), string(v.Kind), v.Outcome, v.TestedOn.String(), v.CountedOn.String(), string(v.State), dash(v.ObjectionUntil.String()), dash(v.ObjectedOn.String()), v.RecordedBy, dash(v.Reason))
	}
	return t.flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmdResultCorrect(ctx context.Context, args []string, e env) error {
	c := newCommand("result correct", "result correct TASK_ID --outcome pass|fail --tested-on DATE [--report-no N] [--failed-items I] --reason TEXT", e)
	outcome := c.fs.String("outcome", "", "corrected outcome: pass or fail")
	testedOn := c.fs.String("tested-on", "", "corrected test date, YYYY-MM-DD")
	reportNo := c.fs.String("report-no", "", "corrected lab report number")
	failedItems := c.fs.String("failed-items", "", "corrected failed items (for a fail)")
	reason := c.fs.String("reason", "", "why the result is corrected (required; kept in the audit log)")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	id, err := taskArg("result correct", pos[0])
	if err != nil {
		return err
	}
	cfg, store, err := c.openForResults(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	r := sampling.Result{TaskID: id, Outcome: *outcome, TestedOn: sampling.Day(*testedOn), ReportNo: *reportNo, FailedItems: *failedItems}
	v, err := store.CorrectResult(storage.WithActor(ctx, cliActor(e)), r, *reason, e.now().In(cfg.Location))
	if err := rejectedInput(err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "task %d: version %d recorded (%s on %s, %s); the previous version is kept, superseded\n", id, v.Version, v.Outcome, v.TestedOn, v.State)
	return nil
}

func cmdResultObject(ctx context.Context, args []string, e env) error {
	c := newCommand("result object", "result object TASK_ID (--on DATE | --withdraw)", e)
	lodged := c.fs.String("on", "", "the day the enterprise objected, YYYY-MM-DD")
	withdraw := c.fs.Bool("withdraw", false, "withdraw the objection instead")
	pos, err := c.parse(args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	id, err := taskArg("result object", pos[0])
	if err != nil {
		return err
	}
	if (*lodged == "") == !*withdraw {
		return usageError("result object: give --on DATE or --withdraw")
	}
	cfg, store, err := c.openForResults(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	today := sampling.Today(e.now(), cfg.Location)
	if *withdraw {
		err = store.WithdrawObjection(storage.WithActor(ctx, cliActor(e)), id, today)
	} else {
		err = store.RecordObjection(storage.WithActor(ctx, cliActor(e)), id, sampling.Day(*lodged), today)
	}
	if err := rejectedInput(err); err != nil {
		return err
	}
	if *withdraw {
		fmt.Fprintf(e.stdout, "task %d: objection withdrawn; the result becomes final when its objection period has ended\n", id)
	} else {
		fmt.Fprintf(e.stdout, "task %d: objection of %s recorded; the result stays provisional until its retest is recorded\n", id, *lodged)
	}
	return nil
}

// rejectedInput turns a rejection into bad input (exit 2).
func rejectedInput(err error) error {
	var rej *storage.RejectedError
	if errors.As(err, &rej) {
		return badInput(err)
	}
	return err
}
