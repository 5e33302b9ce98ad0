package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// CorrectResult replaces the result that counts for a task with corrected
// content, as a new version that keeps the old one's state and objection
// period; the old version stays in the history, superseded. reason is
// required and goes into the audit log. A correction is checked like a
// result, except that the task's plan may be closed. It returns the new
// version. now is the current time in the service's zone: it gives today
// and the zone in which plans' days are read.
func (s *Store) CorrectResult(ctx context.Context, r sampling.Result, reason string, now time.Time) (sampling.ResultVersion, error) {
	loc := now.Location()
	today := sampling.Today(now, loc)
	var next sampling.ResultVersion
	err := s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		if err := s.lockResults(ctx, tx); err != nil {
			return err
		}
		if errs := r.Check(today); len(errs) > 0 {
			return rejected(errs...)
		}
		vs, err := versionsOf(ctx, tx, r.TaskID)
		if err != nil {
			return err
		}
		var rerr *sampling.ResultError
		next, rerr = vs.Correct(r, reason)
		if rerr != nil {
			return &RejectedError{Problems: []Problem{problemOf(0, rerr)}}
		}
		next.RecordedBy = actorOf(ctx)
		old := vs.Effective()
		var nominal time.Time
		if err := tx.GetContext(ctx, &nominal, tx.Rebind(`SELECT p.nominal_time FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = ?`), r.TaskID); err != nil {
			return fmt.Errorf("load plan of task %d: %w", r.TaskID, err)
		}
		if planDay := sampling.DayOf(nominal, loc); r.TestedOn.Before(planDay) {
			return rejected(sampling.FieldError{Field: "tested_on", Reason: fmt.Sprintf("%s is before the task's plan was made (%s)", r.TestedOn, planDay)})
		}
		dg := newDigester()
		dg.add(&next)
		seq, err := s.appendAudit(ctx, tx, ActionCorrect, fmt.Sprintf("task/%d", r.TaskID), old,
			correctionAfter{auditDigest: dg.record(), Result: next})
		if err != nil {
			return err
		}
		next.AuditSeq = seq
		deltas := rollupDeltas{}
		if err := s.supersede(ctx, tx, old, &next, seq, deltas); err != nil {
			return err
		}
		if err := deltas.apply(ctx, tx, ch); err != nil {
			return err
		}
		return numberChange(ctx, tx, ch)
	})
	if err != nil {
		return sampling.ResultVersion{}, fmt.Errorf("correct result of task %d: %w", r.TaskID, err)
	}
	return next, nil
}

// correctionAfter is the "after" of a result.correct audit entry.
type correctionAfter struct {
	auditDigest
	Result sampling.ResultVersion `json:"result"`
}

// versionsOf loads the task's result history.
func versionsOf(ctx context.Context, tx *sqlx.Tx, taskID int64) (sampling.ResultHistory, error) {
	var vs sampling.ResultHistory
	if err := tx.SelectContext(ctx, &vs, tx.Rebind(`SELECT `+versionColumns+` FROM results WHERE task_id = ? ORDER BY version`), taskID); err != nil {
		return nil, fmt.Errorf("load results of task %d: %w", taskID, err)
	}
	return vs, nil
}

// RecordObjection records that the enterprise objected to the task's result
// on lodgedOn, asking for a retest: the result stays
// provisional past its objection period until the retest is recorded or
// the objection withdrawn. The objection must fall within the period.
func (s *Store) RecordObjection(ctx context.Context, taskID int64, lodgedOn, today sampling.Day) error {
	return s.setObjection(ctx, taskID, lodgedOn, today)
}

// WithdrawObjection removes the task's objection; a result whose objection
// period has ended becomes final at the next FinalizeResults.
func (s *Store) WithdrawObjection(ctx context.Context, taskID int64, today sampling.Day) error {
	return s.setObjection(ctx, taskID, "", today)
}

func (s *Store) setObjection(ctx context.Context, taskID int64, lodgedOn, today sampling.Day) error {
	action := ActionObject
	if lodgedOn.IsZero() {
		action = ActionWithdraw
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockResults(ctx, tx); err != nil {
			return err
		}
		vs, err := versionsOf(ctx, tx, taskID)
		if err != nil {
			return err
		}
		cur, after, rerr := vs.Object(taskID, lodgedOn, today)
		if rerr != nil {
			return &RejectedError{Problems: []Problem{problemOf(0, rerr)}}
		}
		if _, err := s.appendAudit(ctx, tx, action, fmt.Sprintf("task/%d", taskID), &cur, &after); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE results SET objected_on = ? WHERE task_id = ? AND version = ?`), lodgedOn, taskID, cur.Version)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s for task %d: %w", action, taskID, err)
	}
	return nil
}

// finalizableVersion selects the results r that become final on a day (the
// argument): sampling.ResultVersion.Finalizable written out, as its test
// checks. Its terms are those of the partial index results_finalizable
// (migration 15) over the objection_until of provisional results with no
// objection pending, so that the index serves it: finalization reads only
// the results whose objection period has ended and that are still
// provisional, those it makes final.
var finalizableVersion = `r.state = ` + sqlString(string(sampling.ResultProvisional)) + ` AND r.objected_on = '' AND r.objection_until < ?`

// FinalizeResults makes final every provisional result whose objection
// period ended before today and that has no pending objection, moving its
// batch from the provisional to the final rollups, with one audit entry.
// It returns how many results became final.
//
// It reads only those results, through the partial index
// results_finalizable: what it costs grows with the results it makes final
// (a tick that finds none reads an empty range of the index), not with the
// results stored, provisional or held by a pending objection.
func (s *Store) FinalizeResults(ctx context.Context, today sampling.Day) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT count(*) FROM results r WHERE `+finalizableVersion), today); err != nil {
		return 0, fmt.Errorf("finalize results: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	err := s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		if err := s.lockResults(ctx, tx); err != nil {
			return err
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, tx.Rebind(`SELECT r.id FROM results r WHERE `+finalizableVersion+` ORDER BY r.id`), today); err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil // another writer got there first
		}
		after := finalizeAfter{Count: n, Before: today, FirstID: ids[0], LastID: ids[n-1]}
		if n <= 1000 {
			after.IDs = ids
		}
		if _, err := s.appendAudit(ctx, tx, ActionFinalize, "results", nil, after); err != nil {
			return err
		}
		from := `FROM results r JOIN tasks t ON t.id = r.task_id WHERE ` + finalizableVersion
		if err := upsertRollupsFrom(ctx, tx, ch, rollupSelect("r.counted_on", sqlString(string(sampling.ResultFinal)), "r.outcome", "", from), today); err != nil {
			return fmt.Errorf("add final rollups: %w", err)
		}
		if err := upsertRollupsFrom(ctx, tx, ch, rollupSelect("r.counted_on", sqlString(string(sampling.ResultProvisional)), "r.outcome", "-", from), today); err != nil {
			return fmt.Errorf("remove provisional rollups: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rollups WHERE state = 'provisional' AND tested = 0`); err != nil {
			return fmt.Errorf("drop empty rollups: %w", err)
		}
		// The results lock keeps the set the statements above read: the
		// same rows become final, found through the same index.
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE results AS r SET state = `+sqlString(string(sampling.ResultFinal))+` WHERE `+finalizableVersion), today)
		if err != nil {
			return err
		}
		if m, err := res.RowsAffected(); err != nil || m != int64(n) {
			return fmt.Errorf("made %d results final, want %d (%v)", m, n, err)
		}
		return numberChange(ctx, tx, ch)
	})
	if err != nil {
		return 0, fmt.Errorf("finalize results: %w", err)
	}
	return n, nil
}

// finalizeAfter is the "after" of a results.finalize audit entry.
type finalizeAfter struct {
	Count   int          `json:"count"`
	Before  sampling.Day `json:"objection_ended_before"`
	FirstID int64        `json:"first_id"`
	LastID  int64        `json:"last_id"`
	IDs     []int64      `json:"ids,omitempty"`
}
