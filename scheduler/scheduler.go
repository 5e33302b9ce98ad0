// Package scheduler turns the fires of configured cron schedules into plans,
// exactly once per fire across any number of replicas: the storage fire
// ledger's unique key is the guard, robfig/cron only computes fire times.
package scheduler

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Options tune a Scheduler; the zero value is usable.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the source of plan seeds; crypto/rand when nil.
	Rand io.Reader
	// Grace is how late a fire may be handled and still count as on time;
	// one minute when zero.
	Grace time.Duration
	// OnPlan is called after a plan is committed, from the scheduler's
	// goroutine or from Fire's caller.
	OnPlan func(ctx context.Context, p sampling.Plan)
}

// Scheduler makes the plans of the configured schedules.
type Scheduler struct {
	cfg     *config.Config
	store   *storage.Store
	logger  *slog.Logger
	opts    Options
	metrics *metrics
	specs   map[string]cron.Schedule

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a scheduler for cfg's schedules that records into store and
// registers its metrics on reg. cfg must have been validated.
func New(cfg *config.Config, store *storage.Store, reg prometheus.Registerer, logger *slog.Logger, opts Options) (*Scheduler, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Grace == 0 {
		opts.Grace = time.Minute
	}
	s := &Scheduler{cfg: cfg, store: store, logger: logger.With("component", "scheduler"), opts: opts,
		metrics: newMetrics(reg), specs: map[string]cron.Schedule{}}
	for _, sc := range cfg.Schedules {
		spec, err := config.ParseCron(sc.Cron, sc.Location)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", sc.Name, err)
		}
		s.specs[sc.Name] = spec
		s.metrics.initSchedule(sc.Name, spec, opts.Now())
	}
	return s, nil
}

// Next returns the next n fire times of the named schedule after t, in the
// schedule's time zone.
func (s *Scheduler) Next(name string, t time.Time, n int) []time.Time {
	spec := s.specs[name]
	if spec == nil {
		return nil
	}
	var out []time.Time
	for range n {
		t = spec.Next(t)
		out = append(out, t)
	}
	return out
}

// Start begins making plans in a goroutine that runs until Stop or until ctx
// is done. It returns at once.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.loop(ctx)
	}()
}

// Stop stops the loop and waits for it: a plan being made is committed or
// rolled back first. Stop may be called more than once.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// maxWait bounds a sleep of the loop, so that suspend, clock jumps and a
// database that comes back are noticed within a minute.
const maxWait = time.Minute

func (s *Scheduler) loop(ctx context.Context) {
	start := s.opts.Now()
	after := map[string]time.Time{}
	for _, sc := range s.cfg.Schedules {
		// A schedule new to the ledger starts with the fires from now on;
		// cron times have whole seconds, so a fire at start is included.
		after[sc.Name] = start.Add(-time.Second)
	}
	loaded := false
	for {
		now := s.opts.Now()
		if err := s.tick(ctx, now, after, !loaded); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.logger.Error("scheduler tick", "err", err)
		} else {
			loaded = true
		}
		wait := maxWait
		for _, sc := range s.cfg.Schedules {
			if next := s.specs[sc.Name].Next(now); !next.IsZero() {
				wait = min(wait, next.Sub(now))
			}
		}
		timer := time.NewTimer(max(wait, 10*time.Millisecond))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// tick reads the ledger and handles every schedule's due fires. On the first
// successful tick, a schedule's ledger history decides where it resumes, so
// fires missed while down follow the catch-up policy.
func (s *Scheduler) tick(ctx context.Context, now time.Time, after map[string]time.Time, first bool) error {
	last, err := s.store.LastFires(ctx)
	if err != nil {
		return err
	}
	successes, err := s.store.LastSuccesses(ctx)
	if err != nil {
		return err
	}
	for name, t := range successes {
		s.metrics.lastSuccess.WithLabelValues(name).Set(float64(t.Unix()))
	}
	for _, sc := range s.cfg.Schedules {
		if f, ok := last[sc.Name]; ok && (first || f.NominalTime.After(after[sc.Name])) {
			after[sc.Name] = f.NominalTime
		}
		actions, dropped := Decide(now, s.specs[sc.Name], after[sc.Name], sc.CatchUp, sc.MaxCatchUp, s.opts.Grace)
		if dropped > 0 {
			s.logger.Warn("fires too old to record", "schedule", sc.Name, "count", dropped)
			s.metrics.missed.WithLabelValues(sc.Name).Add(float64(dropped))
		}
		for _, a := range actions {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := s.apply(ctx, &sc, a); err != nil {
				return err
			}
			after[sc.Name] = a.Nominal
		}
		if next := s.specs[sc.Name].Next(now); !next.IsZero() {
			s.metrics.nextFire.WithLabelValues(sc.Name).Set(float64(next.Unix()))
		}
	}
	return nil
}

// apply carries out one action. Only errors reaching the database are
// returned; a draw that cannot be made is recorded as a failed fire.
func (s *Scheduler) apply(ctx context.Context, sc *config.Schedule, a Action) error {
	if !a.Make {
		ok, err := s.store.RecordFire(ctx, storage.Fire{Schedule: sc.Name, NominalTime: a.Nominal, Kind: a.Kind, Status: storage.FireMissed,
			Message: fmt.Sprintf("missed while the service was down; catch_up policy %q", sc.CatchUp)})
		if err != nil {
			return err
		}
		if ok {
			s.logger.Warn("fire missed", "schedule", sc.Name, "nominal_time", a.Nominal, "policy", sc.CatchUp)
			s.metrics.missed.WithLabelValues(sc.Name).Inc()
			s.metrics.runs.WithLabelValues(sc.Name, a.Kind, storage.FireMissed).Inc()
		}
		return nil
	}
	_, _, err := s.Fire(ctx, sc.Name, a.Kind, a.Nominal, "", false)
	var df *DrawError
	if errors.As(err, &df) {
		return nil // recorded and logged by Fire
	}
	return err
}

// DrawError reports a fire whose plan could not be drawn, such as too few
// eligible inspectors. The fire is recorded as failed.
type DrawError struct{ Err error }

func (e *DrawError) Error() string { return e.Err.Error() }
func (e *DrawError) Unwrap() error { return e.Err }

// ErrUnknownSchedule reports a schedule name that the configuration lacks.
var ErrUnknownSchedule = errors.New("unknown schedule")

// Fire makes the plan of one fire of the named schedule at nominal time:
// draws it with a fresh seed and commits it with its ledger row. It returns
// the plan and whether this call made it; false means the ledger already
// held the fire. With dryRun it draws and returns the plan without storing
// anything. A draw that fails is recorded in the ledger as a failed fire and
// returned as a *DrawError.
func (s *Scheduler) Fire(ctx context.Context, name, kind string, nominal time.Time, requestedBy string, dryRun bool) (sampling.Plan, bool, error) {
	sc := s.cfg.Schedule(name)
	if sc == nil {
		return sampling.Plan{}, false, fmt.Errorf("schedule %q: %w", name, ErrUnknownSchedule)
	}
	ind := s.cfg.Industry(sc.Industry)
	began := time.Now()
	logger := s.logger.With("schedule", name, "nominal_time", nominal, "kind", kind)
	plan, err := s.draw(ctx, sc, ind, kind, nominal)
	if err != nil && ctx.Err() == nil && !dryRun && errors.Is(err, errDraw) {
		logger.Error("plan not drawn", "err", err)
		s.metrics.runs.WithLabelValues(name, kind, storage.FireFailed).Inc()
		if _, rerr := s.store.RecordFire(ctx, storage.Fire{Schedule: name, NominalTime: nominal, Kind: kind,
			Status: storage.FireFailed, Message: err.Error(), RequestedBy: requestedBy}); rerr != nil {
			return plan, false, rerr
		}
		return plan, false, &DrawError{Err: err}
	}
	if err != nil || dryRun {
		return plan, false, err
	}
	made, err := s.store.CommitPlan(ctx, &plan, requestedBy)
	if err != nil {
		s.metrics.runs.WithLabelValues(name, kind, "error").Inc()
		return plan, false, err
	}
	if !made {
		logger.Debug("fire already in the ledger")
		s.metrics.runs.WithLabelValues(name, kind, "duplicate").Inc()
		return plan, false, nil
	}
	s.metrics.runs.WithLabelValues(name, kind, storage.FireMade).Inc()
	s.metrics.duration.WithLabelValues(name).Observe(time.Since(began).Seconds())
	s.metrics.lastSuccess.WithLabelValues(name).Set(float64(s.opts.Now().Unix()))
	logger.Info("plan made", "plan_id", plan.ID, "tasks", len(plan.Tasks), "frame_size", plan.FrameSize)
	if s.opts.OnPlan != nil {
		s.opts.OnPlan(ctx, plan)
	}
	return plan, true, nil
}

// errDraw marks errors of the draw itself, as opposed to the database.
var errDraw = errors.New("draw")

func (s *Scheduler) draw(ctx context.Context, sc *config.Schedule, ind *config.Industry, kind string, nominal time.Time) (sampling.Plan, error) {
	frame, err := s.store.Frame(ctx, sc.Industry)
	if err != nil {
		return sampling.Plan{}, err
	}
	inspectors, err := s.store.Inspectors(ctx)
	if err != nil {
		return sampling.Plan{}, err
	}
	seed := make([]byte, sampling.SeedSize)
	if _, err := io.ReadFull(s.opts.Rand, seed); err != nil {
		return sampling.Plan{}, fmt.Errorf("read seed: %w", err)
	}
	local := nominal.In(sc.Location)
	spec := sampling.DrawSpec{
		Schedule: sc.Name, Industry: sc.Industry, NominalTime: nominal, Kind: kind,
		Categories: ind.CategoryTiers(), Batches: sc.Batches, Fraction: sc.Fraction,
		InspectorsPerTask: sc.InspectorsPerTask, CrossCounty: sc.CrossCounty,
		MaxTasksPerInspector: sc.MaxTasksPerInspector,
		Due:                  local.Add(time.Duration(sc.Due)),
	}
	plan, err := sampling.Draw(spec, seed, frame, inspectors)
	// Kept with the plan, so that its public record can be re-derived.
	plan.Inputs = &sampling.DrawInputs{Spec: spec, Frame: frame, Inspectors: inspectors}
	if err != nil {
		return plan, fmt.Errorf("%w: %w", errDraw, err)
	}
	return plan, nil
}
