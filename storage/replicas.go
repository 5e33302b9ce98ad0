package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

// replicaRetention is how long a replica's row is kept after it was last
// seen: the ledger's reasons look back no further than maxDue fires.
const replicaRetention = 30 * 24 * time.Hour

// SeeReplica records that the scheduler replica id is running at now: the
// first call starts its span, later ones extend it. Rows of replicas not
// seen for 30 days are dropped.
func (s *Store) SeeReplica(ctx context.Context, id string, now time.Time) error {
	now = now.UTC()
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`
		INSERT INTO scheduler_replicas (id, started_at, seen_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`), id, now, now)
	if err != nil {
		return fmt.Errorf("record replica %s: %w", id, err)
	}
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM scheduler_replicas WHERE seen_at < ?`), now.Add(-replicaRetention)); err != nil {
		return fmt.Errorf("drop old replicas: %w", err)
	}
	return nil
}

// ReplicaSpans returns when each scheduler replica seen at or after since
// ran, with the one seen last before since, so that sampling.Coverage can
// name when the replicas were last seen before a fire.
func (s *Store) ReplicaSpans(ctx context.Context, since time.Time) ([]sampling.ReplicaSpan, error) {
	var spans []sampling.ReplicaSpan
	err := s.db.SelectContext(ctx, &spans, s.db.Rebind(`
		SELECT started_at AS started, seen_at AS seen FROM scheduler_replicas
		WHERE seen_at >= (SELECT COALESCE(max(seen_at), ?) FROM scheduler_replicas WHERE seen_at < ?)
		ORDER BY started_at`), since.UTC(), since.UTC())
	if err != nil {
		return nil, fmt.Errorf("load replicas: %w", err)
	}
	return spans, nil
}
