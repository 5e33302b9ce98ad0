package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"spotcheck/storage"
)

// cmdNotifications lists the outbox's messages, or retries failed ones.
func cmdNotifications(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "retry" {
		return cmdNotificationsRetry(ctx, args[1:], e)
	}
	c := newCommand("notifications", "notifications [--status pending|failed|sent|cancelled] [--plan ID] [--format table|json]", e)
	status := c.fs.String("status", "", "only messages in this status: pending, failed, sent or cancelled")
	plan := c.fs.Int64("plan", 0, "only this plan's messages")
	limit := c.fs.Int("limit", 1000, "at most this many, oldest due first")
	format := c.formatFlag("output format: table or json", "table", "json")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	statuses := []string{storage.NoticePending, storage.NoticeFailed, storage.NoticeSent, storage.NoticeCancelled}
	if *status != "" && !slices.Contains(statuses, *status) {
		return usageError("notifications: --status %q: want pending, failed, sent or cancelled", *status)
	}
	if *plan < 0 || *limit <= 0 {
		return usageError("notifications: --plan wants a plan id and --limit a positive number")
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	notices, err := store.Notices(ctx, storage.NoticeFilter{Status: *status, PlanID: *plan, Limit: *limit})
	if err != nil {
		return err
	}
	if *format == "json" {
		if notices == nil {
			notices = []storage.Notice{}
		}
		return writeJSON(e.stdout, notices)
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.In(time.Local).Format("2006-01-02 15:04:05")
	}
	t := newTable(e.stdout, "ID", "PLAN", "TASK", "INSPECTOR", "KIND", "STATUS", "DUE", "ATTEMPTS", "LAST ATTEMPT", "SENT", "LAST ERROR")
	for _, n := range notices {
		kind, task := n.Kind, "-"
		if n.Label != "" {
			kind += " " + n.Label
		}
		if n.TaskID != 0 {
			task = strconv.FormatInt(n.TaskID, 10)
		}
		lastErr := n.LastError
		if lastErr == "" {
			lastErr = "-"
		}
		t.row(strconv.FormatInt(n.ID, 10), strconv.FormatInt(n.PlanID, 10), task, n.Inspector, kind, n.Status, when(&n.DueAt),
			strconv.Itoa(n.Attempts), when(n.LastAttemptAt), when(n.SentAt), lastErr)
	}
	return t.flush()
}

// cmdNotificationsRetry queues failed messages again.
func cmdNotificationsRetry(ctx context.Context, args []string, e env) error {
	c := newCommand("notifications retry", "notifications retry ID... | --all-failed", e)
	all := c.fs.Bool("all-failed", false, "retry every failed message")
	pos, err := c.parse(args, 0, 1000)
	if err != nil {
		return helpOK(err)
	}
	if *all == (len(pos) > 0) {
		return usageError("notifications retry: give message ids or --all-failed, not both or neither")
	}
	var ids []int64
	for _, p := range pos {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return usageError("notifications retry: %q is not a message id (see spotcheck notifications --status failed)", p)
		}
		ids = append(ids, id)
	}
	store, err := c.openStore(ctx, newLogger(e, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer store.Close()
	queued, err := store.RetryNotices(ctx, ids, e.now())
	if errors.Is(err, storage.ErrNotFound) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d failed messages queued again; a serve replica sends them within notifications.poll\n", len(queued))
	return nil
}
