package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// planNotices is a Claim.Notices that tells each inspector of a plan once
// and reminds each of each task a day before remindAt's offset from now.
func planNotices(remindIn time.Duration) func(sampling.Plan, time.Time) []storage.NewNotice {
	return func(p sampling.Plan, now time.Time) []storage.NewNotice {
		var out []storage.NewNotice
		seen := map[string]bool{}
		for _, t := range p.Tasks {
			for _, id := range t.Inspectors {
				if !seen[id] {
					seen[id] = true
					out = append(out, storage.NewNotice{Inspector: id, Kind: storage.NoticePlan})
				}
				out = append(out, storage.NewNotice{Inspector: id, Kind: storage.NoticeReminder, TaskID: t.ID, Label: "1d", DueAt: now.Add(remindIn)})
			}
		}
		return out
	}
}

// noticeList renders notices as "kind/label inspector status attempts".
func noticeList(ns []storage.Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s %s %s %d", n.MessageID, n.Inspector, n.Status, n.Attempts))
	}
	return out
}

// TestOutboxWrittenWithPlan: a plan's messages are stored in its
// transaction, with stable ids, and not at all when the plan rolls back.
func TestOutboxWrittenWithPlan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		ctx := t.Context()
		c := claim(sampling.KindScheduled, nominal)
		c.Now = clockAt(nominal.Add(time.Hour))
		c.Notices = planNotices(48 * time.Hour)
		c.BeforeCommit = func(context.Context) error { return context.Canceled }
		if _, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal)); !errors.Is(err, context.Canceled) {
			t.Fatalf("Settle abandoned = %v", err)
		}
		if ns, err := s.Notices(ctx, storage.NoticeFilter{}); err != nil || len(ns) != 0 {
			t.Fatalf("Notices after a rolled-back plan = %v, %v; want none", noticeList(ns), err)
		}
		c.BeforeCommit = nil
		got, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal))
		if err != nil {
			t.Fatal(err)
		}
		ns, err := s.Notices(ctx, storage.NoticeFilter{PlanID: got.Plan.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := planNotices(48*time.Hour)(got.Plan, nominal.Add(time.Hour))
		if len(ns) != len(want) {
			t.Fatalf("Notices = %d rows, want %d", len(ns), len(want))
		}
		for _, n := range ns {
			if n.Status != storage.NoticePending || n.Attempts != 0 || n.PlanID != got.Plan.ID {
				t.Errorf("notice %+v: want pending, no attempts, plan %d", n, got.Plan.ID)
			}
			switch n.Kind {
			case storage.NoticePlan:
				if w := fmt.Sprintf("spotcheck/plan/%d/%s", got.Plan.ID, n.Inspector); n.MessageID != w || !n.DueAt.Equal(nominal.Add(time.Hour)) {
					t.Errorf("plan notice = %s due %v, want %s due at the plan's making", n.MessageID, n.DueAt, w)
				}
			case storage.NoticeReminder:
				if w := fmt.Sprintf("spotcheck/task/%d/reminder-1d/%s", n.TaskID, n.Inspector); n.MessageID != w || !n.DueAt.Equal(nominal.Add(49*time.Hour)) {
					t.Errorf("reminder = %s due %v, want %s due 48h later", n.MessageID, n.DueAt, w)
				}
			}
		}
	})
}

// TestTakeNotices: messages are taken once per lease, retried after it,
// finished only by the attempt that took them, and failed ones queued
// again by hand.
func TestTakeNotices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		ctx := t.Context()
		made := nominal.Add(time.Hour)
		c := claim(sampling.KindScheduled, nominal)
		c.Now = clockAt(made)
		c.Notices = planNotices(48 * time.Hour)
		got, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal))
		if err != nil {
			t.Fatal(err)
		}
		inspectors := map[string]bool{}
		for _, task := range got.Plan.Tasks {
			for _, id := range task.Inspectors {
				inspectors[id] = true
			}
		}
		taken, err := s.TakeNotices(ctx, storage.Take{Now: made, Lease: time.Minute, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(taken) != len(inspectors) {
			t.Fatalf("TakeNotices = %v, want the %d plan messages (reminders are not due)", noticeList(taken), len(inspectors))
		}
		st, err := s.OutboxStats(ctx, made.Add(10*time.Second))
		if err != nil || st.Pending != len(inspectors) || st.Failed != 0 || !st.OldestPending.Equal(made) {
			t.Errorf("OutboxStats = %+v, %v; want %d pending since %v", st, err, len(inspectors), made)
		}
		if again, err := s.TakeNotices(ctx, storage.Take{Now: made.Add(59 * time.Second), Lease: time.Minute, Limit: 100}); err != nil || len(again) != 0 {
			t.Errorf("TakeNotices within the lease = %v, %v; want none", noticeList(again), err)
		}
		// The lease runs out: the next take counts a second attempt, and the
		// first attempt can no longer finish the message.
		retaken, err := s.TakeNotices(ctx, storage.Take{Now: made.Add(time.Minute), Lease: time.Minute, Limit: 1})
		if err != nil || len(retaken) != 1 || retaken[0].Attempts != 2 || retaken[0].ID != taken[0].ID {
			t.Fatalf("TakeNotices after the lease = %v, %v; want message %d at attempt 2", noticeList(retaken), err, taken[0].ID)
		}
		at := made.Add(70 * time.Second)
		if ok, err := s.FinishNotice(ctx, taken[0], storage.Outcome{Status: storage.NoticeSent, At: at}); ok || err != nil {
			t.Errorf("FinishNotice(stale attempt) = %v, %v; want false", ok, err)
		}
		if ok, err := s.FinishNotice(ctx, retaken[0], storage.Outcome{Status: storage.NoticeSent, PartsSent: 1, At: at}); !ok || err != nil {
			t.Errorf("FinishNotice(sent) = %v, %v; want true", ok, err)
		}
		if ok, err := s.FinishNotice(ctx, taken[1], storage.Outcome{Status: storage.NoticeFailed, Error: "hook answered 404 Not Found", At: at}); !ok || err != nil {
			t.Errorf("FinishNotice(failed) = %v, %v; want true", ok, err)
		}
		sent, err := s.Notices(ctx, storage.NoticeFilter{Status: storage.NoticeSent})
		if err != nil || len(sent) != 1 || sent[0].SentAt == nil || !sent[0].SentAt.Equal(at) || sent[0].PartsSent != 1 {
			t.Errorf("sent notices = %+v, %v; want message %d sent at %v", sent, err, retaken[0].ID, at)
		}
		failed, err := s.Notices(ctx, storage.NoticeFilter{Status: storage.NoticeFailed})
		if err != nil || len(failed) != 1 || failed[0].LastError != "hook answered 404 Not Found" || failed[0].Attempts != 1 {
			t.Errorf("failed notices = %+v, %v; want message %d with its error", failed, err, taken[1].ID)
		}
		if st, err := s.OutboxStats(ctx, at); err != nil || st.Failed != 1 || st.Pending != len(inspectors)-2 {
			t.Errorf("OutboxStats = %+v, %v; want 1 failed and %d pending", st, err, len(inspectors)-2)
		}
		if _, err := s.RetryNotices(ctx, []int64{taken[1].ID, 999999}, at); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("RetryNotices(unknown id) = %v, want ErrNotFound", err)
		}
		if ids, err := s.RetryNotices(ctx, nil, at); err != nil || !slices.Equal(ids, []int64{taken[1].ID}) {
			t.Errorf("RetryNotices(all failed) = %v, %v; want [%d]", ids, err, taken[1].ID)
		}
		n, err := s.Notices(ctx, storage.NoticeFilter{Status: storage.NoticePending, PlanID: got.Plan.ID})
		if err != nil || !slices.ContainsFunc(n, func(n storage.Notice) bool { return n.ID == taken[1].ID && n.Attempts == 0 }) {
			t.Errorf("pending after retry = %v, %v; want message %d with no attempts", noticeList(n), err, taken[1].ID)
		}
	})
}

// TestRemindersCancelled: a reminder of a task that was tested, refused or
// closed, or of a paused schedule's plan when asked, is cancelled when due,
// never sent.
func TestRemindersCancelled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 20)
		ctx := t.Context()
		made := nominal.Add(time.Hour)
		c := claim(sampling.KindScheduled, nominal)
		c.Now = clockAt(made)
		c.Notices = planNotices(48 * time.Hour)
		got, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal))
		if err != nil {
			t.Fatal(err)
		}
		tested := got.Plan.Tasks[0].ID
		if _, err := s.RecordResults(ctx, []sampling.Result{{TaskID: tested, Outcome: sampling.OutcomePass, TestedOn: dayOf(made)}}, made); err != nil {
			t.Fatal(err)
		}
		later := made.Add(48 * time.Hour)
		taken, err := s.TakeNotices(ctx, storage.Take{Now: later, Lease: time.Minute, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range taken {
			if n.TaskID == tested {
				t.Errorf("took reminder %s of a tested task", n.MessageID)
			}
		}
		cancelled, err := s.Notices(ctx, storage.NoticeFilter{Status: storage.NoticeCancelled})
		if err != nil || len(cancelled) != len(got.Plan.Tasks[0].Inspectors) {
			t.Fatalf("cancelled = %v, %v; want the tested task's %d reminders", noticeList(cancelled), err, len(got.Plan.Tasks[0].Inspectors))
		}
		for _, n := range cancelled {
			if n.TaskID != tested || n.LastError != "no longer needed: the task was tested, refused or closed" {
				t.Errorf("cancelled %+v, want the tested task's reminder with the reason", n)
			}
		}

		// A second plan, whose schedule is then paused.
		c = claim(sampling.KindScheduled, nominal.AddDate(0, 1, 0))
		c.Now = clockAt(made.AddDate(0, 1, 0))
		c.Notices = planNotices(time.Hour)
		if _, err := s.Settle(ctx, c, maker(t, s, sampling.KindScheduled, nominal.AddDate(0, 1, 0))); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SetPaused(ctx, schedule, true, "audit", "admin"); err != nil {
			t.Fatal(err)
		}
		var reminders int
		taken, err = s.TakeNotices(ctx, storage.Take{Now: made.AddDate(0, 1, 0).Add(time.Hour), Lease: time.Minute, Limit: 100, SkipPaused: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range taken {
			if n.Kind == storage.NoticeReminder {
				reminders++
			}
		}
		if reminders != 0 {
			t.Errorf("took %d reminders of a paused schedule's plan with SkipPaused", reminders)
		}
		paused, err := s.Notices(ctx, storage.NoticeFilter{Status: storage.NoticeCancelled})
		if err != nil || len(paused) <= len(cancelled) || paused[len(paused)-1].LastError != "not sent: the plan's schedule is paused (reminders.skip_paused)" {
			t.Errorf("cancelled after the pause = %v, %v; want the paused plan's reminders too", noticeList(paused), err)
		}
	})
}

// TestTakeNoticesReplicas: replicas taking messages at once take each
// message once.
func TestTakeNoticesReplicas(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			stores := replicas(t, backend, 3)
			ctx := t.Context()
			made := nominal.Add(time.Hour)
			c := claim(sampling.KindScheduled, nominal)
			c.Now = clockAt(made)
			c.Notices = planNotices(0)
			if _, err := stores[0].Settle(ctx, c, maker(t, stores[0], sampling.KindScheduled, nominal)); err != nil {
				t.Fatal(err)
			}
			all, err := stores[0].Notices(ctx, storage.NoticeFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[int64]int{}
			var wg sync.WaitGroup
			for _, s := range stores {
				wg.Go(func() {
					for {
						taken, err := s.TakeNotices(ctx, storage.Take{Now: made, Lease: time.Hour, Limit: 2})
						if err != nil {
							t.Error(err)
							return
						}
						if len(taken) == 0 {
							return
						}
						mu.Lock()
						for _, n := range taken {
							seen[n.ID]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(seen) != len(all) {
				t.Errorf("replicas took %d messages, want all %d", len(seen), len(all))
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("message %d taken %d times within its lease", id, k)
				}
			}
		})
	}
}
