package storage_test

import (
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestFireReasonChecked: a fire is recorded with one of the documented
// reason codes or none; any other reason is refused and nothing is
// written, through RecordFire and through Settle alike.
func TestFireReasonChecked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		at := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
		for _, reason := range sampling.FireReasons() {
			if fresh, err := s.RecordFire(t.Context(), storage.Fire{Schedule: schedule, NominalTime: at, Kind: sampling.KindScheduled,
				Status: sampling.FireMissed, Reason: reason}); err != nil || !fresh {
				t.Errorf("RecordFire(reason %q) = %v, %v; want a fresh fire", reason, fresh, err)
			}
			at = at.Add(time.Hour)
		}
		if _, err := s.RecordFire(t.Context(), storage.Fire{Schedule: schedule, NominalTime: at, Kind: sampling.KindScheduled,
			Status: sampling.FireMissed, Reason: "gone fishing"}); err == nil || !strings.Contains(err.Error(), `reason "gone fishing" is not one of down, catch_up`) {
			t.Errorf("RecordFire(reason gone fishing) = %v, want the reason refused", err)
		}
		if _, err := s.Settle(t.Context(), storage.Claim{Schedule: schedule, NominalTime: at, Kind: sampling.KindScheduled,
			Status: sampling.FireMissed, Message: "left out", Reason: "Catch-Up"}, nil); err == nil || !strings.Contains(err.Error(), `reason "Catch-Up"`) {
			t.Errorf("Settle(reason Catch-Up) = %v, want the reason refused", err)
		}
		if got, want := len(strings.Split(ledger(t, s), ", ")), len(sampling.FireReasons()); got != want {
			t.Errorf("ledger = %q: %d fires, want the %d with documented reasons", ledger(t, s), got, want)
		}
	})
}
