// Package scheduler turns the fires of configured cron schedules into plans,
// exactly once per fire across any number of replicas: the storage fire
// ledger's unique key is the guard, and every fire ends up in it as made,
// missed, failed or skipped. robfig/cron only parses specs and computes fire
// times (through config.Cron, which handles daylight saving).
package scheduler

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Options tune a Scheduler; the zero value is usable.
type Options struct {
	// Now is the clock that decides which fires are due and stamps the
	// ledger. When nil it is the database's clock, so that replicas agree
	// whatever their own clocks say.
	Now func() time.Time
	// Rand is the source of plan seeds; crypto/rand when nil.
	Rand io.Reader
	// Grace is how late a fire may be handled and still count as on time;
	// one minute when zero.
	Grace time.Duration
	// StopTimeout bounds how long Stop lets a plan being made commit
	// before rolling it back; ten seconds when zero.
	StopTimeout time.Duration
	// OnPlan is called after a plan is committed, from the scheduler's
	// goroutine or from Fire's caller.
	OnPlan func(ctx context.Context, p sampling.Plan)
	// Notices, when set, returns the outbox messages of each made plan,
	// written in the plan's transaction (see storage.Claim.Notices).
	Notices func(p sampling.Plan, now time.Time) []storage.NewNotice
	// BeforeCommit, when set, runs inside each plan's transaction after the
	// plan is written and before it commits; an error rolls it back. It is
	// a hook for tests that stop a replica while it holds a plan open.
	BeforeCommit func(ctx context.Context, schedule string, nominal time.Time) error
	// HTTPClient fetches drand rounds for beacon-seeded schedules;
	// http.DefaultClient with a 10 s timeout when nil.
	HTTPClient *http.Client
}

// Scheduler makes the plans of the configured schedules. Each schedule has
// a goroutine that waits for its next fire, reads the ledger, decides with
// Decide and settles each due fire through storage.Store.Settle.
type Scheduler struct {
	cfg     *config.Config
	store   *storage.Store
	logger  *slog.Logger
	opts    Options
	metrics *metrics
	specs   map[string]*config.Cron
	// id names this replica in the database's record of running
	// schedulers, which tells a fire missed in an outage from one missed
	// while replicas ran.
	id string

	mu    sync.Mutex
	stop  context.CancelFunc // stops new fires
	abort context.CancelFunc // rolls back plans being made
	done  chan struct{}
}

// New returns a scheduler for cfg's schedules that records into store and
// registers its metrics on reg. cfg must have been validated.
func New(cfg *config.Config, store *storage.Store, reg prometheus.Registerer, logger *slog.Logger, opts Options) (*Scheduler, error) {
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Grace == 0 {
		opts.Grace = time.Minute
	}
	if opts.StopTimeout == 0 {
		opts.StopTimeout = 10 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	// The interval metric is computed once, from the injected clock or the
	// local one: it describes the spec, not a moment of the ledger.
	start := time.Now()
	if opts.Now != nil {
		start = opts.Now()
	}
	s := &Scheduler{cfg: cfg, store: store, logger: logger.With("component", "scheduler"), opts: opts,
		metrics: newMetrics(reg), specs: map[string]*config.Cron{}, id: rand.Text()}
	for _, sc := range cfg.Schedules {
		s.specs[sc.Name] = sc.Spec
		s.metrics.initSchedule(sc.Name, sc.Spec, start)
		// Every schedule has the beacon gauges, zero without a beacon, so
		// that dashboards and alerts find the families.
		s.metrics.awaiting.WithLabelValues(sc.Name).Set(0)
		s.metrics.beaconWait.WithLabelValues(sc.Name).Set(0)
		maxWait := 0.0
		if sc.Beacon != nil {
			maxWait = time.Duration(sc.Beacon.MaxWait).Seconds()
		}
		s.metrics.beaconMaxWait.WithLabelValues(sc.Name).Set(maxWait)
	}
	return s, nil
}

// Start begins making plans, one goroutine per schedule, until Stop or
// until ctx is done. It returns at once.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return
	}
	var loops, makings context.Context
	loops, s.stop = context.WithCancel(ctx)
	// A plan being made outlives Stop's cancellation by up to StopTimeout.
	makings, s.abort = context.WithCancel(context.WithoutCancel(ctx))
	s.done = make(chan struct{})
	var wg sync.WaitGroup
	for i := range s.cfg.Schedules {
		sc := &s.cfg.Schedules[i]
		wg.Go(func() { s.loop(loops, makings, sc) })
	}
	go func() {
		wg.Wait()
		close(s.done)
	}()
}

// Stop stops new fires and waits for the loops: a plan being made commits
// within StopTimeout or is rolled back, so that it is whole or absent. Stop
// may be called more than once.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	stop, abort, done := s.stop, s.abort, s.done
	s.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	timer := time.NewTimer(s.opts.StopTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.logger.Warn("plan still being made at the stop timeout; rolling it back", "timeout", s.opts.StopTimeout)
		abort()
		<-done
	}
	abort()
}

// maxWait bounds a sleep of the loop, so that suspend, clock jumps, pause
// changes and a database that comes back are noticed within a minute.
const maxWait = time.Minute

// loop handles the fires of one schedule until ctx is done; plans are made
// under makings, which Stop cancels only after its timeout.
func (s *Scheduler) loop(ctx, makings context.Context, sc *config.Schedule) {
	logger := s.logger.With("schedule", sc.Name)
	spec := s.specs[sc.Name]
	var start time.Time // when replicas first ran the schedule
	failures := 0
	for {
		began := time.Now() // for elapsed time only: fire times come from s.now
		now, err := s.now(ctx)
		if err == nil && start.IsZero() {
			start, err = s.store.StartSchedule(ctx, sc.Name, s.opts.Now)
		}
		if err == nil {
			err = s.tick(ctx, makings, sc, now, start)
		}
		wait := maxWait
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait = backoff(failures)
			logger.Error("scheduler tick failed", "err", err, "attempt", failures, "retry_in", wait)
		} else {
			failures = 0
			if next := spec.Next(now); !next.IsZero() {
				wait = min(wait, next.Sub(now)-time.Since(began))
			}
		}
		if wait > 0 && !sleep(ctx, wait) || ctx.Err() != nil {
			return
		}
	}
}

// backoff is the wait before retry number attempt: 1s doubling to 15s.
func backoff(attempt int) time.Duration {
	return min(time.Second<<min(attempt-1, 4), 15*time.Second)
}

// now reads the scheduler's clock.
func (s *Scheduler) now(ctx context.Context) (time.Time, error) {
	if s.opts.Now != nil {
		return s.opts.Now(), nil
	}
	return s.store.Now(ctx)
}

// tick reads the ledger, settles the schedule's due fires and updates its
// metrics. A schedule with no fires in the ledger starts with the fires
// from start, when replicas first ran it: cron times have whole seconds, so
// a fire at start is included.
func (s *Scheduler) tick(ctx, makings context.Context, sc *config.Schedule, now, start time.Time) error {
	if err := s.store.SeeReplica(ctx, s.id, now); err != nil {
		return err
	}
	last, err := s.store.LastFires(ctx)
	if err != nil {
		return err
	}
	after := start.Add(-time.Second)
	if f, ok := last[sc.Name]; ok {
		after = f.NominalTime
	}
	spec := s.specs[sc.Name]
	actions, dropped := Decide(now, spec, after, sc.CatchUp, sc.MaxCatchUp, s.opts.Grace)
	if dropped > 0 {
		s.logger.Warn("fires too old to record", "schedule", sc.Name, "count", dropped, "after", after)
		s.metrics.missed.WithLabelValues(sc.Name).Add(float64(dropped))
	}
	var spans []sampling.ReplicaSpan
	if len(actions) > 0 && !actions[0].Make {
		if spans, err = s.store.ReplicaSpans(ctx, actions[0].Nominal); err != nil {
			return err
		}
	}
	for _, a := range actions {
		if ctx.Err() != nil {
			return ctx.Err() // stopping: no new fires
		}
		if !a.Make {
			a.Reason, a.Policy = missedReason(spans, a)
		}
		if err := s.settle(ctx, makings, sc, a, now); err != nil {
			return err
		}
	}
	if err := s.pollBeacons(ctx, sc, now); err != nil {
		return err
	}
	return s.updateGauges(ctx, sc, now)
}

// DrawError reports a fire whose plan could not be drawn, such as too few
// eligible inspectors. The fire is recorded as failed.
type DrawError struct{ Err error }

func (e *DrawError) Error() string { return e.Err.Error() }
func (e *DrawError) Unwrap() error { return e.Err }

// ErrBeaconSchedule reports a seed or a dry run asked of a schedule whose
// seeds come from its beacon.
var ErrBeaconSchedule = errors.New("a beacon schedule's seed cannot be given, nor its plan shown before its announcement (see beacon enter --dry-run)")

// ErrUnknownSchedule reports a schedule name that the configuration lacks.
var ErrUnknownSchedule = errors.New("unknown schedule")

// FireRequest asks for the plan of one fire of a schedule.
type FireRequest struct {
	Schedule    string
	Kind        string // sampling.KindManual for a fire asked for by a person
	NominalTime time.Time
	RequestedBy string // who asked, for the ledger
	// Seed is the draw's seed: derived from public text for a ceremony
	// (sampling.SeedFromText), or fixed for a dry run. A seed without bytes
	// is read from Options.Rand. A beacon-seeded schedule takes none.
	Seed sampling.Seed
}

// schedule returns the schedule req names, checking that its seed may be
// given: a beacon-seeded schedule's comes from the beacon its announcement
// names, and a seed given here, or a dry run's random one, would make
// another plan.
func (s *Scheduler) schedule(req FireRequest, dryRun bool) (*config.Schedule, error) {
	sc := s.cfg.Schedule(req.Schedule)
	if sc == nil {
		return nil, fmt.Errorf("schedule %q: %w", req.Schedule, ErrUnknownSchedule)
	}
	if sc.Seed == config.SeedBeacon && (dryRun || req.Seed.Bytes != nil) {
		return nil, fmt.Errorf("schedule %s draws with the beacon its announcements name: %w", sc.Name, ErrBeaconSchedule)
	}
	return sc, nil
}

// Fire makes the plan of the fire req asks for, once: it draws the plan
// and commits it with its ledger row. It returns the plan and whether this
// call made it; false with a nil error means the ledger already held the
// fire. A draw that fails is recorded in the ledger as a failed fire and
// returned as a *DrawError; a manual fire of a paused schedule returns
// storage.ErrPaused.
func (s *Scheduler) Fire(ctx context.Context, req FireRequest) (sampling.Plan, bool, error) {
	sc, err := s.schedule(req, false)
	if err != nil {
		return sampling.Plan{}, false, err
	}
	name, kind, nominal := sc.Name, req.Kind, req.NominalTime
	logger := s.logger.With("schedule", name, "nominal_time", nominal, "kind", kind)
	c := storage.Claim{NominalTime: nominal, Kind: kind, Status: sampling.FireMade, RequestedBy: req.RequestedBy, Seed: req.Seed}
	res, err := s.claim(ctx, sc, c)
	if errors.Is(err, errDraw) && ctx.Err() == nil {
		logger.Error("plan not drawn", "err", err)
		c.Status, c.Message, c.Reason = sampling.FireFailed, err.Error(), sampling.FireReasonDraw
		res, rerr := s.claim(ctx, sc, c)
		if rerr != nil {
			return sampling.Plan{}, false, rerr
		}
		s.observe(ctx, sc.Name, res)
		return sampling.Plan{}, false, &DrawError{Err: err}
	}
	if err != nil {
		s.metrics.runs.WithLabelValues(name, kind, resultError).Inc()
		return sampling.Plan{}, false, err
	}
	s.observe(ctx, sc.Name, res)
	if res.Fresh && res.Fire.Status != sampling.FireMade {
		return sampling.Plan{}, false, fmt.Errorf("fire of %s at %s recorded as %s: %s", name, nominal.Format(time.RFC3339), res.Fire.Status, res.Fire.Message)
	}
	return res.Plan, res.Fresh, nil
}

// DryRun draws the plan of the fire req asks for as Fire would, and
// returns it without storing anything.
func (s *Scheduler) DryRun(ctx context.Context, req FireRequest) (sampling.Plan, error) {
	sc, err := s.schedule(req, true)
	if err != nil {
		return sampling.Plan{}, err
	}
	rec, err := s.store.DrawRecord(ctx, s.design(sc, req.NominalTime), req.NominalTime)
	if err != nil {
		return sampling.Plan{}, err
	}
	if rec.Seed, err = s.seed(req.Seed); err != nil {
		return sampling.Plan{}, err
	}
	rec.Schedule, rec.Kind = sc.Name, req.Kind
	plan, err := drawPlan(rec)
	if err != nil {
		return plan, err
	}
	return plan, s.store.NameTasks(ctx, plan.Tasks)
}

// errDraw marks errors of the draw itself, as opposed to the database.
var errDraw = errors.New("draw")

// drawPlan is the draw: a pure function of its record.
func drawPlan(rec sampling.DrawRecord) (sampling.Plan, error) {
	plan, err := sampling.DrawPlan(rec)
	if err != nil {
		return plan, fmt.Errorf("%w: %w", errDraw, err)
	}
	return plan, nil
}

// design is what a fire of sc at nominal draws.
func (s *Scheduler) design(sc *config.Schedule, nominal time.Time) sampling.Design {
	return sc.Design(s.cfg.Industry(sc.Industry), nominal)
}

// seed returns seed, or a fresh one from Options.Rand when it has no bytes.
func (s *Scheduler) seed(seed sampling.Seed) (sampling.Seed, error) {
	if seed.Bytes == nil {
		seed.Bytes = make([]byte, sampling.SeedSize)
		if _, err := io.ReadFull(s.opts.Rand, seed.Bytes); err != nil {
			return seed, fmt.Errorf("read seed: %w", err)
		}
	}
	return seed, nil
}
