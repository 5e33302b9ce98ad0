package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"spotcheck/beacon"
	"spotcheck/config"
	"spotcheck/publication"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// announce settles a fire of a beacon-seeded schedule: it freezes the
// draw's input and publishes the signed announcement naming the beacon
// value that will seed it, in one transaction with the ledger row.
func (s *Scheduler) announce(ctx context.Context, sc *config.Schedule, c storage.Claim) (storage.Settled, error) {
	now, err := s.now(ctx)
	if err != nil {
		return storage.Settled{}, err
	}
	// The key is read (or made) before the transaction: on SQLite its own
	// write would wait for ours.
	key, err := s.store.SigningKey(ctx, now)
	if err != nil {
		return storage.Settled{}, err
	}
	res, err := s.store.Announce(ctx, storage.AnnounceClaim{Schedule: sc.Name, NominalTime: c.NominalTime, Kind: c.Kind, RequestedBy: c.RequestedBy,
		Design: c.Design, LockWait: c.LockWait, Now: s.opts.Now,
		Make: func(rec sampling.DrawRecord, prev *publication.Announcement, at time.Time) (publication.Announcement, sampling.Frozen, error) {
			fz, err := sampling.Freeze(rec)
			if err != nil {
				return publication.Announcement{}, sampling.Frozen{}, fmt.Errorf("%w: %w", errDraw, err)
			}
			a := publication.NewAnnouncement(prev, fz, BeaconSource(sc.Beacon, at), at)
			publication.SignAnnouncement(&a, key)
			return a, fz, nil
		}})
	if err != nil {
		return storage.Settled{}, err
	}
	out := storage.Settled{Fire: res.Fire, Fresh: res.Fresh}
	if res.Announcement.Sequence > 0 {
		out.Announcement = &res.Announcement
	}
	return out, nil
}

// BeaconSource is the beacon an announcement made at at names: the first
// drand round published at least the beacon's delay after it, or the text
// result expected its After later.
func BeaconSource(b *config.Beacon, at time.Time) publication.Source {
	if b.Kind == beacon.KindDrand {
		chain := beacon.Quicknet() // config accepts quicknet only
		round := chain.FirstRoundAfter(at, time.Duration(b.Delay))
		return publication.Source{Kind: beacon.KindDrand, Chain: chain.Hash, ChainName: chain.Name, Round: round, RoundTime: chain.RoundTime(round)}
	}
	return publication.Source{Kind: beacon.KindText, Description: b.Description, Template: b.Template,
		ExpectedAt: at.Add(time.Duration(b.After)).UTC()}
}

// DrawAnnounced draws the plan of announcement seq from the input it froze,
// with the seed derived from the announcement and the beacon's value v,
// which must be the value the announcement named (a valid drand round, or a
// text in its template's one spelling). The draw is made once: a second
// call returns storage.ErrDrawn. A draw that fails with that seed (too few
// inspectors may take a drawn unit, say: Freeze checked the input with
// another seed) would fail the same way every time, so it is recorded for
// good, the announcement with the reason and its fire as failed, and
// returned as a *DrawError. With dryRun the plan is drawn and returned
// without storing anything; it is the plan the real draw makes.
func (s *Scheduler) DrawAnnounced(ctx context.Context, seq int64, v beacon.Value, dryRun bool) (sampling.Plan, error) {
	found, err := s.store.Announcements(ctx, storage.AnnouncementFilter{Sequence: seq})
	if err != nil {
		return sampling.Plan{}, err
	}
	if len(found) == 0 {
		return sampling.Plan{}, fmt.Errorf("announcement %d: %w", seq, storage.ErrNotFound)
	}
	a := found[0]
	switch {
	case dryRun:
	case a.PlanID.Valid:
		return sampling.Plan{}, fmt.Errorf("announcement %d: plan %d: %w", seq, a.PlanID.Int64, storage.ErrDrawn)
	case a.DrawError != nil:
		return sampling.Plan{}, fmt.Errorf("announcement %d: it failed: %s: %w", seq, *a.DrawError, storage.ErrDrawn)
	}
	seed, err := a.Published.BeaconValue(v)
	if err != nil {
		return sampling.Plan{}, fmt.Errorf("announcement %d: %w", seq, err)
	}
	rec, err := s.store.FrozenRecord(ctx, a)
	if err != nil {
		return sampling.Plan{}, err
	}
	rec.Seed = sampling.Seed{Bytes: seed}
	plan, err := sampling.DrawPlan(rec)
	if err != nil {
		if !dryRun {
			f, ferr := s.store.FailAnnounced(ctx, seq, v, err, s.opts.Now)
			if ferr != nil {
				return sampling.Plan{}, ferr
			}
			s.observe(ctx, a.Schedule, storage.Settled{Fire: f, Fresh: true}) // counted and logged as a failed fire
		}
		return sampling.Plan{}, &DrawError{Err: fmt.Errorf("announcement %d: %w: %w", seq, errDraw, err)}
	}
	if err := s.store.NameTasks(ctx, plan.Tasks); err != nil {
		return sampling.Plan{}, err
	}
	if dryRun {
		return plan, nil
	}
	if err := s.store.DrawAnnounced(ctx, seq, v, &plan, s.opts.Now, s.opts.Notices); err != nil {
		return sampling.Plan{}, err
	}
	s.logger.Info("plan drawn from its beacon", "schedule", a.Schedule, "announcement", seq, "plan_id", plan.ID, "tasks", len(plan.Tasks))
	if s.opts.OnPlan != nil {
		s.opts.OnPlan(ctx, plan)
	}
	return plan, nil
}

// pollBeacons draws the plans of sc's announcements whose drand round is
// due, and sets the schedule's beacon gauges. A round no relay has yet is
// asked for again at the next tick; a relay serving an invalid round is
// logged and passed over.
func (s *Scheduler) pollBeacons(ctx context.Context, sc *config.Schedule, now time.Time) error {
	if sc.Beacon == nil {
		return nil
	}
	awaiting, err := s.store.Announcements(ctx, storage.AnnouncementFilter{Awaiting: true})
	if err != nil {
		return err
	}
	count, oldest := 0, time.Duration(0)
	for _, a := range awaiting {
		if a.Schedule != sc.Name {
			continue
		}
		if sc.Beacon.Kind == beacon.KindDrand && !now.Before(a.DueAt) {
			switch err := s.fetchAndDraw(ctx, sc, a); {
			case err == nil, errors.As(err, new(*DrawError)): // drawn, or failed for good (logged)
				continue
			case errors.Is(err, beacon.ErrNotYet):
				s.logger.Debug("drand round not published yet", "schedule", sc.Name, "announcement", a.Sequence, "round", a.Published.Beacon.Round)
			default:
				s.logger.Error("plan not drawn from its beacon", "schedule", sc.Name, "announcement", a.Sequence, "err", err)
			}
		}
		count++
		oldest = max(oldest, now.Sub(a.DueAt))
	}
	s.metrics.awaiting.WithLabelValues(sc.Name).Set(float64(count))
	s.metrics.beaconWait.WithLabelValues(sc.Name).Set(max(oldest, 0).Seconds())
	s.metrics.beaconMaxWait.WithLabelValues(sc.Name).Set(time.Duration(sc.Beacon.MaxWait).Seconds())
	return nil
}

// fetchAndDraw fetches an announcement's drand round from the schedule's
// relays and draws its plan.
func (s *Scheduler) fetchAndDraw(ctx context.Context, sc *config.Schedule, a storage.Announcement) error {
	chain, ok := beacon.KnownChain(a.Published.Beacon.Chain)
	if !ok {
		return fmt.Errorf("drand chain %s is not pinned", a.Published.Beacon.Chain)
	}
	ver, err := beacon.NewVerifier(chain)
	if err != nil {
		return err
	}
	relays, err := beacon.NewRelays(sc.Beacon.Relays, ver, beacon.RelayOptions{Client: s.opts.HTTPClient, Attempts: 2, Backoff: time.Second}, s.logger)
	if err != nil {
		return err
	}
	round, _, err := relays.Fetch(ctx, a.Published.Beacon.Round)
	if err != nil {
		return err
	}
	v := beacon.Value{Kind: beacon.KindDrand, Chain: chain.Hash, Round: round.Round, Signature: round.Signature, Randomness: round.Randomness}
	_, err = s.DrawAnnounced(ctx, a.Sequence, v, false)
	if errors.Is(err, storage.ErrDrawn) {
		return nil // another replica drew it
	}
	return err
}

// PollBeacons runs pollBeacons for every beacon-seeded schedule now, as
// each schedule's loop does at every tick.
func (s *Scheduler) PollBeacons(ctx context.Context) error {
	now, err := s.now(ctx)
	if err != nil {
		return err
	}
	for i := range s.cfg.Schedules {
		if err := s.pollBeacons(ctx, &s.cfg.Schedules[i], now); err != nil {
			return err
		}
	}
	return nil
}
