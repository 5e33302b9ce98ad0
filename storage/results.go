package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"spotcheck/sampling"
)

// Problem is one reason a result was rejected. Index is the result's
// position in the batch, so the caller can name the line or request.
type Problem struct {
	Index    int
	Field    string
	Reason   string // in English
	Conflict bool   // the task already has a different result
	// Key and Args give the reason in the inspector's language from the
	// i18n catalogue; Key is empty when there is no such text.
	Key  string
	Args []any
}

// RejectedError reports a batch of results that was not stored, with every
// problem found.
type RejectedError struct {
	Problems []Problem
}

func (e *RejectedError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = fmt.Sprintf("result %d: %s: %s", p.Index+1, p.Field, p.Reason)
	}
	return strings.Join(msgs, "\n")
}

// Conflict reports whether every problem is a conflict with a stored result.
func (e *RejectedError) Conflict() bool {
	for _, p := range e.Problems {
		if !p.Conflict {
			return false
		}
	}
	return len(e.Problems) > 0
}

// RecordResults stores results in one transaction, with the daily rollups
// they change and an audit entry: all of them or, when any is bad, none,
// and then a *RejectedError lists every problem. A result identical to one
// a task already has is accepted and not stored twice; a different one is a
// conflict unless it is a retest (Result.Retest) within the objection
// period, which supersedes the first. now is the current time in the
// service's time zone: a test date after its day is rejected, and plans'
// days are read in its zone. It returns how many results were newly stored. The audit entry
// names the actor set with WithActor.
func (s *Store) RecordResults(ctx context.Context, results []sampling.Result, now time.Time) (int, error) {
	return s.recordResults(ctx, results, nil, now)
}

// RecordResult stores one result under an idempotency key: a retry with the
// same key and result is accepted without storing twice. now is as for
// RecordResults.
func (s *Store) RecordResult(ctx context.Context, r sampling.Result, idempotencyKey string, now time.Time) (int, error) {
	return s.recordResults(ctx, []sampling.Result{r}, []string{idempotencyKey}, now)
}

// rejected is a *RejectedError of the field errors of one result.
func rejected(errs ...sampling.FieldError) *RejectedError {
	ps := make([]Problem, len(errs))
	for i, e := range errs {
		ps[i] = fieldProblem(0, e)
	}
	return &RejectedError{Problems: ps}
}

// Rollups returns the daily rollups from the day since on.
func (s *Store) Rollups(ctx context.Context, since sampling.Day) ([]sampling.Rollup, error) {
	return rollupsSince(ctx, s.db, since)
}

// rollupsSince reads the daily rollups from the day since on.
func rollupsSince(ctx context.Context, q queryer, since sampling.Day) ([]sampling.Rollup, error) {
	return loadRollups(ctx, q, rollupsSinceQuery(since))
}

// rollupsSinceQuery is the query of the rollups from the day since on,
// the day written in as a literal: without parameters, the query takes
// one round trip on PostgreSQL (the extended protocol's take two).
func rollupsSinceQuery(since sampling.Day) string {
	return `SELECT ` + rollupColumns + ` FROM rollups WHERE day >= ` + quoteLiteral(string(since))
}

// quoteLiteral quotes s as an SQL string literal, on both backends.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
