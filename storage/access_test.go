package storage_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestTaskLifecycleAndClosing: transitions record who and when, invalid
// ones are rejected and change nothing, overdue is derived, and a plan
// closes once its due date passes, and only once.
func TestTaskLifecycleAndClosing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := storage.WithActor(t.Context(), "test:alice")
		seedRegistry(t, s, 6)
		p := drawPlan(t, s, sampling.KindManual, nominal, 3)
		if _, err := s.CommitPlan(ctx, &p, "test"); err != nil {
			t.Fatal(err)
		}
		loc := time.UTC
		now := nominal.Add(72 * time.Hour)
		a, b := p.Tasks[0].ID, p.Tasks[1].ID
		if err := s.RecordSampling(ctx, a, sampling.Sampling{SampledOn: dayOf(now), BatchNo: "B1", Quantity: 2, Seals: []string{"S1", "S2"}}, now, loc); err != nil {
			t.Fatalf("RecordSampling: %v", err)
		}
		var state *storage.StateError
		if err := s.RecordRefusal(ctx, a, sampling.Refusal{Reason: sampling.RefusalNotForSale}, now); !errors.As(err, &state) {
			t.Errorf("RecordRefusal(sampled task) = %v, want a *StateError", err)
		}
		var fields *storage.FieldsError
		if err := s.RecordRefusal(ctx, b, sampling.Refusal{Reason: "bored"}, now); !errors.As(err, &fields) || fields.Problems[0].Field != "reason" {
			t.Errorf("RecordRefusal(bad reason) = %v, want a *FieldsError on reason", err)
		}
		if err := s.CloseTask(ctx, 999999, now); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("CloseTask(unknown) = %v, want ErrNotFound", err)
		}
		// A result through the bulk path records its event too.
		if _, err := s.RecordResults(ctx, []sampling.Result{{TaskID: a, Outcome: "pass", TestedOn: dayOf(now)}}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordResults(ctx, []sampling.Result{{TaskID: b, Outcome: "pass", TestedOn: dayOf(now)}}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordRefusal(ctx, p.Tasks[2].ID, sampling.Refusal{Reason: sampling.RefusalStopped}, now); err != nil {
			t.Fatal(err)
		}
		var rej *storage.RejectedError
		if _, err := s.RecordResults(ctx, []sampling.Result{{TaskID: p.Tasks[2].ID, Outcome: "pass", TestedOn: dayOf(now)}}, now); !errors.As(err, &rej) {
			t.Errorf("RecordResults(refused task) = %v, want rejected", err)
		}
		events, err := s.TaskEvents(ctx, a)
		if err != nil || len(events) != 2 || events[1].To != sampling.TaskTested || events[0].Actor != "test:alice" || events[1].Actor != "test:alice" {
			t.Errorf("TaskEvents(a) = %+v (%v), want sampled then tested, by test:alice", events, err)
		}
		// A result without sampling moves the task from assigned.
		if events, err := s.TaskEvents(ctx, b); err != nil || len(events) != 1 || events[0].From != sampling.TaskAssigned || events[0].To != sampling.TaskTested {
			t.Errorf("TaskEvents(b) = %+v (%v), want assigned to tested", events, err)
		}
		// A task with a result is tested, though its row is not rewritten:
		// it cannot be refused any more, and filters see it as tested.
		if err := s.RecordRefusal(ctx, b, sampling.Refusal{Reason: sampling.RefusalStopped}, now); !errors.As(err, &state) || state.From != sampling.TaskTested {
			t.Errorf("RecordRefusal(tested task) = %v, want a *StateError from tested", err)
		}
		for _, c := range []struct {
			status string
			want   []int64
		}{{sampling.TaskTested, []int64{a, b}}, {"open", nil}, {sampling.TaskRefused, []int64{p.Tasks[2].ID}}} {
			ds, err := s.TaskDetails(ctx, storage.TaskFilter{PlanID: p.ID, Statuses: []string{c.status}}, dayOf(now))
			var got []int64
			for _, d := range ds {
				got = append(got, d.ID)
				if d.Status != c.status && c.status != "open" {
					t.Errorf("TaskDetails(%s): task %d has status %s", c.status, d.ID, d.Status)
				}
			}
			slices.Sort(got)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("TaskDetails(%s) = %v, %v; want %v", c.status, got, err, c.want)
			}
		}
		// Closing a tested task is recorded as a move from tested.
		if err := s.CloseTask(ctx, a, now); err != nil {
			t.Fatalf("CloseTask(tested) = %v", err)
		}
		if events, err := s.TaskEvents(ctx, a); err != nil || len(events) != 3 || events[1].To != sampling.TaskTested || events[2].From != sampling.TaskTested {
			t.Errorf("TaskEvents(a) after closing = %+v (%v), want sampled, tested, closed", events, err)
		}

		// Task b is tested, not closed: the plan stays open until its due
		// date has passed, and the overdue count leaves tested tasks out.
		today := nominal.AddDate(0, 0, 10)
		if ids, err := s.ClosePlans(ctx, dayOf(today), today); err != nil || len(ids) != 0 {
			t.Errorf("ClosePlans before the due date = %v, %v; want none", ids, err)
		}
		late := nominal.AddDate(0, 0, 31)
		counts, err := s.TaskCounts(ctx, dayOf(late))
		if err != nil || counts["overdue"] != 0 || counts["tested"] != 1 || counts["closed"] != 1 || counts["refused"] != 1 {
			t.Errorf("TaskCounts after the due date = %v (%v), want 1 tested, 1 closed, 1 refused, none overdue", counts, err)
		}
		ids, err := s.ClosePlans(ctx, dayOf(late), late)
		if err != nil || len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("ClosePlans after the due date = %v, %v; want [%d]", ids, err, p.ID)
		}
		if again, err := s.ClosePlans(ctx, dayOf(late), late); err != nil || len(again) != 0 {
			t.Errorf("ClosePlans again = %v, %v; want none", again, err)
		}
		// A closed plan's tasks count as they did before it closed.
		if after, err := s.TaskCounts(ctx, dayOf(late)); err != nil || !maps.Equal(after, counts) {
			t.Errorf("TaskCounts after the plan closed = %v (%v), want %v as before", after, err, counts)
		}
		if d, err := s.TaskDetail(ctx, b, dayOf(late)); err != nil || d.Status != sampling.TaskTested {
			t.Errorf("task %d after the plan closed: %s (%v), want tested", b, d.Status, err)
		}
		if closures, err := s.PlanClosures(ctx, []int64{p.ID, 999999}); err != nil || len(closures) != 1 || !closures[p.ID].Equal(late) {
			t.Errorf("PlanClosures = %v, %v; want only plan %d, closed %v", closures, err, p.ID, late)
		}
		at, reason, err := s.PlanClosure(ctx, p.ID)
		if err != nil || reason != storage.ClosedDue || !at.Equal(late) {
			t.Errorf("PlanClosure = %v, %q, %v; want %v, %q", at, reason, err, late, storage.ClosedDue)
		}
		if err := s.CloseTask(ctx, b, late); !errors.As(err, &state) {
			t.Errorf("CloseTask in a closed plan = %v, want a *StateError", err)
		}
		in, err := s.SRSInputs(ctx, p.ID)
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("SRSInputs of a plan committed without inputs = %+v, %v; want ErrNotFound", in, err)
		}
	})
}

// TestSessions: a session lives until it expires, its token is revoked or
// it is deleted.
func TestSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		seedRegistry(t, s, 2)
		now := nominal
		secret, tok, err := s.CreateToken(ctx, storage.NewToken{Role: sampling.RoleInspector, Inspector: "I001"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Authenticate(ctx, secret, now); err != nil || got.Inspector != "I001" {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		id, csrf, err := s.CreateSession(ctx, tok.ID, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got, c, err := s.Session(ctx, id, now.Add(30*time.Minute)); err != nil || got.ID != tok.ID || c != csrf {
			t.Errorf("Session within its life = %+v, %q, %v", got, c, err)
		}
		if _, _, err := s.Session(ctx, id, now.Add(2*time.Hour)); !errors.Is(err, storage.ErrBadToken) {
			t.Errorf("Session after expiry: %v, want ErrBadToken", err)
		}
		id2, _, err := s.CreateSession(ctx, tok.ID, now, time.Hour)
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		if err := s.RevokeToken(ctx, secret, now); err != nil { // the whole token works as its id
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, id2, now); !errors.Is(err, storage.ErrBadToken) {
			t.Errorf("Session of a revoked token: %v, want ErrBadToken", err)
		}
		if _, err := s.Authenticate(ctx, secret, now); !errors.Is(err, storage.ErrBadToken) {
			t.Errorf("Authenticate(revoked) = %v, want ErrBadToken", err)
		}
	})
}

// TestConcurrentResultAndRefusal: writers of results and refusals take the
// results lock in turn, so two different results for one task sent at once
// end in one stored result and one conflict (never a database error), and
// a result and a refusal sent at once leave the task tested or refused,
// never both.
func TestConcurrentResultAndRefusal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 20)
		day := "2026-11-05"
		for i := 0; i+1 < len(ids); i += 2 {
			results, result, refusal := make(chan error, 2), make(chan error, 1), make(chan error, 1)
			go func() { _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[i], day)}, on(day)); results <- err }()
			go func() {
				_, err := s.RecordResults(ctx, []sampling.Result{fail(ids[i], day, "x")}, on(day))
				results <- err
			}()
			go func() { _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[i+1], day)}, on(day)); result <- err }()
			go func() {
				refusal <- s.RecordRefusal(ctx, ids[i+1], sampling.Refusal{Reason: sampling.RefusalStopped}, on(day).Add(time.Hour))
			}()
			var stored, conflicts int
			for range 2 {
				var rej *storage.RejectedError
				switch err := <-results; {
				case err == nil:
					stored++
				case errors.As(err, &rej) && rej.Conflict():
					conflicts++
				default:
					t.Errorf("task %d: two results at once: %v, want one stored and one conflict", ids[i], err)
				}
			}
			if stored != 1 || conflicts != 1 {
				t.Errorf("task %d: two results at once: %d stored, %d conflicts; want 1 and 1", ids[i], stored, conflicts)
			}
			resultErr, refusalErr := <-result, <-refusal
			var state *storage.StateError
			var rej *storage.RejectedError
			switch {
			case resultErr == nil && errors.As(refusalErr, &state):
			case refusalErr == nil && errors.As(resultErr, &rej):
			default:
				t.Errorf("task %d: result and refusal at once: %v and %v; want exactly one to succeed", ids[i+1], resultErr, refusalErr)
			}
			d, err := s.TaskDetail(ctx, ids[i+1], dayOf(on(day)))
			if err != nil || (d.Status == sampling.TaskTested) == (d.Refusal != nil) {
				t.Errorf("task %d after a result and a refusal at once: status %s, refusal %v (%v)", ids[i+1], d.Status, d.Refusal, err)
			}
		}
	})
}
