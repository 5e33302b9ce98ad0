package storage

import (
	"context"
	"fmt"

	"spotcheck/sampling"
)

// Provisional describes the results still open to objection, which final
// rates leave out.
type Provisional struct {
	// Count is how many current results are provisional.
	Count int `db:"n"`
	// First and Last are the earliest and latest last days to object among
	// them; each result becomes final the day after its own.
	First sampling.Day `db:"first"`
	Last  sampling.Day `db:"last"`
}

// ProvisionalResults counts the provisional results and the span of their
// objection deadlines, so that an empty final rate can say why and until
// when.
func (s *Store) ProvisionalResults(ctx context.Context) (Provisional, error) {
	var p Provisional
	err := s.db.GetContext(ctx, &p, `SELECT count(*) AS n, COALESCE(MIN(objection_until), '') AS first, COALESCE(MAX(objection_until), '') AS last
		FROM results WHERE state = 'provisional'`)
	if err != nil {
		return Provisional{}, fmt.Errorf("count provisional results: %w", err)
	}
	return p, nil
}
