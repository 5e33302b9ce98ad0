package storage_test

import (
	"testing"
	"time"

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
