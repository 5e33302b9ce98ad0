package scheduler

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Results counted in spotcheck_schedule_runs_total besides the ledger's
// statuses (made, missed, failed, skipped).
const (
	// resultDuplicate: the ledger already held the fire, settled by another
	// replica or an earlier run.
	resultDuplicate = "duplicate"
	// resultError: an attempt to settle the fire failed; it is retried.
	resultError = "error"
)

// settle settles one due fire as decided. An attempt that fails is retried
// with backoff until the fire's deadline, when the fire is recorded as
// failed. When the clock cannot be read (the database is unreachable) it
// returns the error instead: the loop retries, and decides afresh once the
// database is back, so that the catch-up policy applies to what was missed.
func (s *Scheduler) settle(ctx, makings context.Context, sc *config.Schedule, a Action, now time.Time) error {
	status, message := sampling.FireMade, ""
	if !a.Make {
		status, message = sampling.FireMissed, a.Policy
	}
	deadline := s.deadline(sc, a.Nominal)
	for attempt := 1; ; attempt++ {
		res, err := s.claim(makings, sc, storage.Claim{NominalTime: a.Nominal, Kind: a.Kind, Status: status, Message: message,
			Reason: a.Reason, LockWait: lockWait(now, deadline)})
		if err == nil {
			s.observe(makings, sc.Name, res)
			return nil
		}
		s.metrics.runs.WithLabelValues(sc.Name, a.Kind, resultError).Inc()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var cerr error
		if now, cerr = s.now(ctx); cerr != nil {
			return err
		}
		if !now.Before(deadline) {
			res, ferr := s.claim(makings, sc, storage.Claim{NominalTime: a.Nominal, Kind: a.Kind, Status: sampling.FireFailed,
				Message: fmt.Sprintf("gave up at its deadline %s after %d attempts: %v", deadline.In(sc.Location).Format(time.RFC3339), attempt, err),
				Reason:  sampling.FireReasonDeadline, LockWait: lockWait(now, deadline)})
			if ferr != nil {
				return fmt.Errorf("record the failed fire: %w (it failed with: %w)", ferr, err)
			}
			s.observe(makings, sc.Name, res)
			return nil
		}
		wait := min(backoff(attempt), deadline.Sub(now))
		s.logger.Warn("fire not settled; retrying", "schedule", sc.Name, "nominal_time", a.Nominal, "attempt", attempt,
			"err", err, "retry_in", wait, "deadline", deadline)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// missedReason returns the reason code and message of a fire the catch-up
// policy left out: whether any replica was running at its time, then how
// late it was settled and what the policy made instead.
func missedReason(spans []sampling.ReplicaSpan, a Action) (string, string) {
	running, lastSeen, nextStart := sampling.Coverage(spans, a.Nominal)
	if !running {
		return sampling.FireReasonDown, sampling.DownReason(lastSeen, nextStart, a.Nominal.Location()) + "; " + a.Policy
	}
	return sampling.FireReasonCatchUp, "a replica was running at its time but did not settle it then (the database unreachable, or plans of the schedule slow); " + a.Policy
}

// deadline is when a failing fire at nominal gives up: the schedule's
// deadline after it, or by default the next fire.
func (s *Scheduler) deadline(sc *config.Schedule, nominal time.Time) time.Time {
	if sc.Deadline > 0 {
		return nominal.Add(time.Duration(sc.Deadline))
	}
	if next := s.specs[sc.Name].Next(nominal); !next.IsZero() {
		return next
	}
	return nominal.Add(24 * time.Hour)
}

// lockWait bounds one wait for another replica's making: until the
// deadline, within 1s to 30s.
func lockWait(now, deadline time.Time) time.Duration {
	return min(max(deadline.Sub(now), time.Second), 30*time.Second)
}

// claim settles the fire c names, of schedule sc, through the ledger: the
// schedule's overlap policy and design and the scheduler's clock and seed
// complete the claim, and the plan is drawn under the ledger's locks. A
// fire of a beacon-seeded schedule to make is announced instead.
func (s *Scheduler) claim(ctx context.Context, sc *config.Schedule, c storage.Claim) (storage.Settled, error) {
	c.Schedule, c.Overlap, c.Now, c.Zone, c.Design = sc.Name, sc.Overlap, s.opts.Now, sc.Location, s.design(sc, c.NominalTime)
	c.Notices = s.opts.Notices
	if sc.Seed == config.SeedBeacon && c.Status == sampling.FireMade {
		return s.announce(ctx, sc, c)
	}
	var err error
	if c.Seed, err = s.seed(c.Seed); err != nil {
		return storage.Settled{}, err
	}
	if hook := s.opts.BeforeCommit; hook != nil {
		c.BeforeCommit = func(ctx context.Context) error { return hook(ctx, sc.Name, c.NominalTime) }
	}
	return s.store.Settle(ctx, c, drawPlan)
}

// largeFrame is the size of a frame (units in scope) from which a made
// fire returns its memory to the system at once.
const largeFrame = 100_000

// observe logs and counts a settled fire.
func (s *Scheduler) observe(ctx context.Context, schedule string, res storage.Settled) {
	f := res.Fire
	logger := s.logger.With("schedule", schedule, "nominal_time", f.NominalTime, "kind", f.Kind)
	if !res.Fresh {
		s.metrics.runs.WithLabelValues(schedule, f.Kind, resultDuplicate).Inc()
		logger.Debug("fire already settled", "status", f.Status)
		return
	}
	s.metrics.runs.WithLabelValues(schedule, f.Kind, string(f.Status)).Inc()
	switch f.Status {
	case sampling.FireMade:
		if a := res.Announcement; a != nil {
			logger.Info("draw announced", "announcement", a.Sequence, "hash", a.Hash, "frame_size", a.Published.FrameSize,
				"beacon_due", a.DueAt)
			return
		}
		lag := f.RecordedAt.Sub(f.NominalTime)
		if f.Kind != sampling.KindManual {
			s.metrics.lag.WithLabelValues(schedule).Observe(lag.Seconds())
		}
		if f.StartedAt != nil {
			s.metrics.duration.WithLabelValues(schedule).Observe(f.RecordedAt.Sub(*f.StartedAt).Seconds())
		}
		s.metrics.lastSuccess.WithLabelValues(schedule).Set(float64(f.RecordedAt.UnixMilli()) / 1000)
		logger.Info("plan made", "plan_id", res.Plan.ID, "tasks", len(res.Plan.Tasks), "frame_size", res.Plan.FrameSize,
			"lag", lag, "note", f.Message)
		if s.opts.OnPlan != nil {
			s.opts.OnPlan(ctx, res.Plan)
		}
		if res.Plan.FrameSize+res.Plan.Excluded >= largeFrame {
			// The frame's memory is garbage now (Settle let the record
			// go): hand it back to the system at once rather than when
			// the runtime's scavenger gets to it, so that an idle service
			// is small again.
			debug.FreeOSMemory()
		}
	case sampling.FireMissed:
		s.metrics.missed.WithLabelValues(schedule).Inc()
		logger.Warn("fire missed", "reason", f.Message)
	case sampling.FireSkipped:
		logger.Warn("fire skipped", "reason", f.Message)
	case sampling.FireFailed:
		logger.Error("fire failed", "reason", f.Message)
	}
}

// updateGauges sets the schedule's gauges from its spec and the database,
// which every replica shares.
func (s *Scheduler) updateGauges(ctx context.Context, sc *config.Schedule, now time.Time) error {
	spec := s.specs[sc.Name]
	if next := spec.Next(now); !next.IsZero() {
		s.metrics.nextFire.WithLabelValues(sc.Name).Set(float64(next.Unix()))
	}
	states, err := s.store.ScheduleStates(ctx)
	if err != nil {
		return err
	}
	paused := 0.0
	if states[sc.Name].Paused {
		paused = 1
	}
	s.metrics.paused.WithLabelValues(sc.Name).Set(paused)
	successes, err := s.store.LastSuccesses(ctx)
	if err != nil {
		return err
	}
	if t, ok := successes[sc.Name]; ok {
		s.metrics.lastSuccess.WithLabelValues(sc.Name).Set(float64(t.UnixMilli()) / 1000)
	}
	return nil
}

// sleep waits for d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
