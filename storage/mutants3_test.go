package storage_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"spotcheck/beacon"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestPopulationStoredMeanwhileIsAdopted: two plans drawn from the same
// population meet at its digest; when the other writer stores the
// population after this one looked for it, this one waits for it, then
// finds its row and names it (PostgreSQL: SQLite has one writer).
func TestPopulationStoredMeanwhileIsAdopted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		if s.Dialect() != storage.Postgres {
			t.Skip("SQLite has one writer: no other can store the population meanwhile")
		}
		ctx := t.Context()
		seedRegistry(t, s, 20)
		rec, err := s.DrawRecord(ctx, testDesign(nominal, 4), nominal)
		if err != nil {
			t.Fatal(err)
		}
		rec.Schedule, rec.Kind, rec.Seed = "textiles-monthly", sampling.KindScheduled, sampling.SeedFromText("meanwhile")
		p, err := sampling.DrawPlan(rec)
		if err != nil {
			t.Fatal(err)
		}
		// The other writer: the population's row, not yet committed.
		other, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Rollback()
		var otherID int64
		if err := other.QueryRowContext(ctx, `INSERT INTO populations (digest, industry, units) VALUES ($1, 'textiles', $2) RETURNING id`,
			rec.Compact().Digest("textiles"), rec.Compact().Len()).Scan(&otherID); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := s.CommitPlan(ctx, &p, "")
			done <- err
		}()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case err := <-done:
				t.Fatalf("CommitPlan = %v while another writer was storing its population; want it to wait", err)
			case <-tick.C:
				var n int
				if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted`).Scan(&n); err != nil {
					t.Fatal(err)
				} else if n == 1 {
					break wait
				}
			}
		}
		if err := other.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("CommitPlan after the other writer stored the population = %v", err)
		}
		var got int64
		if err := s.DB().QueryRowContext(ctx, `SELECT population_id FROM plans WHERE id = $1`, p.ID).Scan(&got); err != nil || got != otherID {
			t.Errorf("plan's population = %d, %v; want the other writer's %d", got, err, otherID)
		}
	})
}

// TestDrawAnnouncedWithNotices: the plan of an announcement drawn with its
// notices joins the announcement and queues the notices, in one
// transaction, which the watchers are told of as a numbered change.
func TestDrawAnnouncedWithNotices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 12)
		key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		text := publication.Source{Kind: beacon.KindText, Description: "lottery", Template: "{n}", ExpectedAt: nominal.Add(48 * time.Hour)}
		ann, err := s.Announce(ctx, announceClaim(t, key, sampling.KindScheduled, nominal, text, 0))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.FrozenRecord(ctx, ann.Announcement)
		if err != nil {
			t.Fatal(err)
		}
		rec.Seed = sampling.SeedFromText("beacon 1")
		plan, err := sampling.DrawPlan(rec)
		if err != nil {
			t.Fatal(err)
		}
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		drawnAt := nominal.Add(49 * time.Hour)
		notices := func(p sampling.Plan, now time.Time) []storage.NewNotice {
			return []storage.NewNotice{{Inspector: "I001", Kind: storage.NoticePlan, DueAt: now}, {Inspector: "I002", Kind: storage.NoticePlan, DueAt: now}}
		}
		if err := s.DrawAnnounced(ctx, 1, beacon.Value{Kind: beacon.KindText, Text: "42"}, &plan, clockAt(drawnAt), notices); err != nil || plan.ID == 0 {
			t.Fatalf("DrawAnnounced with notices = %v, plan %d", err, plan.ID)
		}
		if len(changes) != 1 || changes[0].Seq == 0 || len(changes[0].Plans) != 1 || changes[0].Plans[0].ID != plan.ID || len(changes[0].Tallies) == 0 {
			t.Errorf("changes told of the draw = %+v, want one, numbered, with the plan and its tallies", changes)
		}
		as, err := s.Announcements(ctx, storage.AnnouncementFilter{PlanID: plan.ID})
		if err != nil || len(as) != 1 || as[0].Sequence != 1 || !as[0].DrawnAt.Valid || !as[0].DrawnAt.Time.Equal(drawnAt) {
			t.Errorf("announcements of plan %d = %+v, %v; want announcement 1, drawn at %v", plan.ID, as, err, drawnAt)
		}
		got, err := s.Notices(ctx, storage.NoticeFilter{PlanID: plan.ID})
		if err != nil || len(got) != 2 || got[0].Kind != storage.NoticePlan || got[1].Kind != storage.NoticePlan ||
			got[0].Inspector == got[1].Inspector || !got[0].DueAt.Equal(drawnAt) {
			t.Errorf("notices of plan %d = %+v, %v; want a plan notice to I001 and to I002, due %v", plan.ID, got, err, drawnAt)
		}
	})
}

// TestPlanWithoutTasksNotedAndRecorded: a plan of no tasks is told to the
// watchers by itself (no task tally names it) and keeps the record it was
// drawn from; a plan with tasks is told once, with its tallies.
func TestPlanWithoutTasksNotedAndRecorded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 20)
		var changes []storage.Change
		stop := s.Watch(func(ch storage.Change) { changes = append(changes, ch) })
		defer stop()
		for i, tasks := range []bool{false, true} {
			at := nominal.AddDate(0, i, 0)
			rec, err := s.DrawRecord(ctx, testDesign(at, 4), at)
			if err != nil {
				t.Fatal(err)
			}
			rec.Schedule, rec.Kind, rec.Seed = "textiles-monthly", sampling.KindScheduled, sampling.SeedFromText("no tasks")
			p, err := sampling.DrawPlan(rec)
			if err != nil {
				t.Fatal(err)
			}
			if !tasks {
				p.Tasks = nil
			}
			if ok, err := s.CommitPlan(ctx, &p, ""); !ok || err != nil {
				t.Fatalf("CommitPlan(tasks: %v) = %v, %v", tasks, ok, err)
			}
			if len(changes) != i+1 {
				t.Fatalf("%d changes after %d plans, want %d", len(changes), i+1, i+1)
			}
			ch := changes[i]
			if len(ch.Plans) != 1 || ch.Plans[0].ID != p.ID || !ch.Plans[0].Open || (len(ch.Tallies) == 0) == tasks {
				t.Errorf("change of a plan (tasks: %v) = plans %+v, %d tallies; want plan %d once, tallies only with tasks", tasks, ch.Plans, len(ch.Tallies), p.ID)
			}
			_, stored, err := s.PlanRecord(ctx, p.ID)
			if err != nil || stored.Compact().Len() != 20 {
				t.Errorf("PlanRecord of plan %d (tasks: %v) = %d units, %v; want 20", p.ID, tasks, stored.Compact().Len(), err)
			}
		}
	})
}
