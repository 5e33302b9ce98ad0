package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of outbox messages.
const (
	// NoticePlan tells an inspector the tasks of a new plan.
	NoticePlan = "plan"
	// NoticeReminder reminds an inspector of a task before its due date.
	NoticeReminder = "reminder"
	// NoticeOverdue tells an inspector that a task's due date has passed.
	NoticeOverdue = "overdue"
)

// Statuses of outbox messages.
const (
	// NoticePending: not sent yet; sent once its next attempt is due.
	NoticePending = "pending"
	// NoticeSent: the receiver took it.
	NoticeSent = "sent"
	// NoticeFailed: given up after its attempts or on an error not worth
	// retrying; `spotcheck notifications retry` queues it again.
	NoticeFailed = "failed"
	// NoticeCancelled: a reminder no longer needed (the task was tested,
	// refused or closed, or its schedule paused).
	NoticeCancelled = "cancelled"
)

// NewNotice is a message to write to the outbox together with a plan.
type NewNotice struct {
	Inspector string
	Kind      string // NoticePlan, NoticeReminder or NoticeOverdue
	TaskID    int64  // the task a reminder is about; 0 for NoticePlan
	Label     string // a reminder's lead time, such as "3d"
	DueAt     time.Time
}

// Notice is one message to one inspector in the outbox.
type Notice struct {
	ID            int64      `db:"id" json:"id"`
	MessageID     string     `db:"message_id" json:"message_id"`
	PlanID        int64      `db:"plan_id" json:"plan_id"`
	TaskID        int64      `db:"task_id" json:"task_id,omitempty"`
	Inspector     string     `db:"inspector_id" json:"inspector"`
	Kind          string     `db:"kind" json:"kind"`
	Label         string     `db:"label" json:"label,omitempty"`
	Status        string     `db:"status" json:"status"`
	DueAt         time.Time  `db:"due_at" json:"due_at"`
	NextAt        time.Time  `db:"next_at" json:"next_at"`
	Attempts      int        `db:"attempts" json:"attempts"`
	PartsSent     int        `db:"parts_sent" json:"parts_sent"`
	LastError     string     `db:"last_error" json:"last_error,omitempty"`
	LastAttemptAt *time.Time `db:"last_attempt_at" json:"last_attempt_at,omitempty"`
	SentAt        *time.Time `db:"sent_at" json:"sent_at,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
}

const noticeColumns = `id, message_id, plan_id, COALESCE(task_id, 0) AS task_id, inspector_id, kind, label, status, due_at, next_at,
	attempts, parts_sent, last_error, last_attempt_at, sent_at, created_at`

// messageID names a message so that it stays the same across attempts,
// restarts and replicas: a receiver drops one it has seen.
func messageID(planID int64, n NewNotice) string {
	if n.Kind == NoticePlan {
		return fmt.Sprintf("spotcheck/plan/%d/%s", planID, n.Inspector)
	}
	kind := n.Kind
	if n.Label != "" {
		kind += "-" + n.Label
	}
	return fmt.Sprintf("spotcheck/task/%d/%s/%s", n.TaskID, kind, n.Inspector)
}

// insertNotices writes the outbox messages of plan planID in its
// transaction; a zero DueAt means now.
func insertNotices(ctx context.Context, tx *sqlx.Tx, planID int64, notices []NewNotice, now time.Time) error {
	if len(notices) == 0 {
		return nil
	}
	stmt, err := tx.PreparexContext(ctx, tx.Rebind(`
		INSERT INTO outbox (message_id, plan_id, task_id, inspector_id, kind, label, due_at, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("queue notifications: %w", err)
	}
	defer stmt.Close()
	for _, n := range notices {
		due := n.DueAt
		if due.IsZero() {
			due = now
		}
		var task any
		if n.TaskID != 0 {
			task = n.TaskID
		}
		if _, err := stmt.ExecContext(ctx, messageID(planID, n), planID, task, n.Inspector, n.Kind, n.Label, due.UTC(), due.UTC(), now.UTC()); err != nil {
			return fmt.Errorf("queue %s notification to %s: %w", n.Kind, n.Inspector, err)
		}
	}
	return nil
}

// NoticeFilter narrows Notices.
type NoticeFilter struct {
	Status string // only messages in this status, when set
	PlanID int64  // only this plan's messages, when set
	Limit  int    // at most this many, oldest due first; 0 means 1000
}

// Notices lists outbox messages by due time.
func (s *Store) Notices(ctx context.Context, f NoticeFilter) ([]Notice, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	var out []Notice
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+noticeColumns+` FROM outbox
		WHERE (? = '' OR status = ?) AND (? = 0 OR plan_id = ?) ORDER BY due_at, id LIMIT ?`), f.Status, f.Status, f.PlanID, f.PlanID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return out, nil
}

// Take says which outbox messages TakeNotices takes.
type Take struct {
	Now   time.Time     // messages whose next attempt is due by now
	Lease time.Duration // how long the taker has to send them
	Limit int           // at most this many
	// SkipPaused cancels the reminders of plans whose schedule is paused.
	SkipPaused bool
}

// TakeNotices takes up to t.Limit pending messages whose next attempt is
// due, oldest first, for t.Lease: it counts the attempt and moves their next
// attempt to the lease's end, so that no other taker (another replica, or
// this one after a restart) sends them until then. On PostgreSQL, takers
// skip the rows another has locked. Reminders no longer needed are
// cancelled first: their task was tested, refused or closed, its plan
// closed, or (with SkipPaused) its schedule is paused.
func (s *Store) TakeNotices(ctx context.Context, t Take) ([]Notice, error) {
	now := t.Now.UTC()
	var out []Notice
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		reminder := `status = 'pending' AND kind IN ('reminder', 'overdue') AND next_at <= ?`
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE outbox SET status = 'cancelled', last_error = ?
			WHERE `+reminder+` AND NOT EXISTS (SELECT 1 FROM tasks t JOIN plans p ON p.id = t.plan_id
				WHERE t.id = outbox.task_id AND p.status = 'open' AND `+untested+`)`),
			"no longer needed: the task was tested, refused or closed", now); err != nil {
			return fmt.Errorf("cancel reminders of finished tasks: %w", err)
		}
		if t.SkipPaused {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE outbox SET status = 'cancelled', last_error = ?
				WHERE `+reminder+` AND EXISTS (SELECT 1 FROM plans p JOIN schedule_states st ON st.schedule = p.schedule
					WHERE p.id = outbox.plan_id AND st.paused)`),
				"not sent: the plan's schedule is paused (reminders.skip_paused)", now); err != nil {
				return fmt.Errorf("cancel reminders of paused schedules: %w", err)
			}
		}
		lock := ""
		if tx.DriverName() == "postgres" {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var ids []any
		if err := tx.SelectContext(ctx, &ids, tx.Rebind(`SELECT id FROM outbox WHERE status = 'pending' AND next_at <= ?
			ORDER BY next_at, id LIMIT ?`+lock), now, t.Limit); err != nil || len(ids) == 0 {
			return err
		}
		in := `id IN (` + placeholders(len(ids)) + `)`
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_attempt_at = ? WHERE `+in),
			append([]any{now.Add(t.Lease), now}, ids...)...); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, tx.Rebind(`SELECT `+noticeColumns+` FROM outbox WHERE `+in+` ORDER BY next_at, id`), ids...)
	})
	if err != nil {
		return nil, fmt.Errorf("take notifications: %w", err)
	}
	return out, nil
}

// Outcome is what became of one attempt to send a taken message.
type Outcome struct {
	Status    string    // NoticeSent, NoticePending (to retry at NextAt) or NoticeFailed
	PartsSent int       // the parts of a message of several that the receiver took
	Error     string    // the attempt's error; "" when sent
	NextAt    time.Time // the next attempt, when pending
	At        time.Time // when the attempt ended
}

// FinishNotice records the outcome of the attempt that took n. It reports
// false, and changes nothing, when the message was taken again since (its
// lease ran out) or retried by hand.
func (s *Store) FinishNotice(ctx context.Context, n Notice, o Outcome) (bool, error) {
	var sentAt any
	if o.Status == NoticeSent {
		sentAt = o.At.UTC()
	}
	next := o.NextAt
	if next.IsZero() {
		next = o.At
	}
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE outbox SET status = ?, parts_sent = ?, last_error = ?, next_at = ?, sent_at = ?
		WHERE id = ? AND attempts = ? AND status = 'pending'`), o.Status, o.PartsSent, o.Error, next.UTC(), sentAt, n.ID, n.Attempts)
	if err != nil {
		return false, fmt.Errorf("record notification %d: %w", n.ID, err)
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record notification %d: %w", n.ID, err)
	}
	return k == 1, nil
}

// RetryNotices queues failed messages again with fresh attempts, due now:
// the ones with ids, or every failed one when ids is empty. It returns the
// ids queued; an id that names no failed message is an error that names it,
// and then nothing is queued.
func (s *Store) RetryNotices(ctx context.Context, ids []int64, now time.Time) ([]int64, error) {
	var queued []int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		where, args := `status = 'failed'`, []any{}
		if len(ids) > 0 {
			where += ` AND id IN (` + placeholders(len(ids)) + `)`
			for _, id := range ids {
				args = append(args, id)
			}
		}
		if err := tx.SelectContext(ctx, &queued, tx.Rebind(`SELECT id FROM outbox WHERE `+where+` ORDER BY id`), args...); err != nil {
			return err
		}
		if len(ids) > 0 && len(queued) < len(ids) {
			found := map[int64]bool{}
			for _, id := range queued {
				found[id] = true
			}
			var missing []string
			for _, id := range ids {
				if !found[id] {
					missing = append(missing, fmt.Sprint(id))
				}
			}
			return fmt.Errorf("no failed notification with id %s: %w", strings.Join(missing, ", "), ErrNotFound)
		}
		if len(queued) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE outbox SET status = 'pending', attempts = 0, next_at = ? WHERE `+where),
			append([]any{now.UTC()}, args...)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("retry notifications: %w", err)
	}
	return queued, nil
}

// OutboxStats counts the outbox's messages that need attention.
type OutboxStats struct {
	Pending int // due by now and not sent yet
	Failed  int // given up
	// OldestPending is the due time of the oldest pending message; zero
	// when none is pending.
	OldestPending time.Time
}

// OutboxStats counts the pending and failed messages at now.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (OutboxStats, error) {
	var st OutboxStats
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT
		(SELECT count(*) FROM outbox WHERE status = 'pending' AND due_at <= ?),
		(SELECT count(*) FROM outbox WHERE status = 'failed')`), now.UTC()).Scan(&st.Pending, &st.Failed)
	if err != nil {
		return st, fmt.Errorf("count notifications: %w", err)
	}
	if st.Pending == 0 {
		return st, nil
	}
	// A column, not an aggregate: SQLite returns an aggregate's time as text.
	err = s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT due_at FROM outbox WHERE status = 'pending' AND due_at <= ?
		ORDER BY status, due_at LIMIT 1`), now.UTC()).Scan(&st.OldestPending)
	if err != nil {
		return st, fmt.Errorf("find the oldest pending notification: %w", err)
	}
	return st, nil
}
