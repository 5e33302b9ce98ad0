// Package chores runs spotcheck's time-driven work in one place: results
// whose objection period has ended become final, plans that are done or
// past their due dates close, and the rates snapshot is refreshed to show
// it (and other replicas' writes, and the windows moving with the date).
// Each replica runs the chores; the store makes each change once.
package chores

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Actor names the chores in the audit log.
const Actor = "system"

// Options tune the chores; the zero value is usable.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Refresh is how often results are finalized and the snapshot
	// refreshed; 15 seconds when zero.
	Refresh time.Duration
	// Close is how often plans are closed; a minute when zero. A plan
	// whose tasks are all done closes at once, on the last change (see
	// ClosePlans).
	Close time.Duration
}

// Chores runs the time-driven work until Stop.
type Chores struct {
	cfg    *config.Config
	store  *storage.Store
	mon    *monitor.Monitor
	logger *slog.Logger
	opts   Options

	mu     sync.Mutex
	cancel context.CancelFunc // nil until Start
	done   chan struct{}
}

// New returns the chores of cfg over store, refreshing mon (which may be
// nil when only Finalize and ClosePlans are used).
func New(cfg *config.Config, store *storage.Store, mon *monitor.Monitor, logger *slog.Logger, opts Options) *Chores {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 15 * time.Second
	}
	if opts.Close <= 0 {
		opts.Close = time.Minute
	}
	return &Chores{cfg: cfg, store: store, mon: mon, logger: logger.With("component", "chores"), opts: opts}
}

// Start runs the chores in the background until Stop or until ctx is done.
// It returns at once; a second Start does nothing.
func (c *Chores) Start(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		return
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		c.loop(ctx)
	}()
}

// Stop stops the chores and waits for the one under way to end. Stop may be
// called more than once.
func (c *Chores) Stop() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// loop finalizes results and refreshes the snapshot every Refresh, and
// closes plans every Close, until ctx is done. Failures are logged and
// tried again at the next tick; the snapshot's age shows in the metrics.
func (c *Chores) loop(ctx context.Context) {
	refresh := time.NewTicker(c.opts.Refresh)
	defer refresh.Stop()
	closing := time.NewTicker(c.opts.Close)
	defer closing.Stop()
	c.closePlans(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-closing.C:
			c.closePlans(ctx)
		case <-refresh.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.logger.Warn("refresh snapshot", "err", err)
			}
		}
	}
}

// Refresh makes final the results whose objection period has ended, then
// refreshes the snapshot, which then shows them.
func (c *Chores) Refresh(ctx context.Context) error {
	if _, err := c.Finalize(ctx); err != nil {
		return err
	}
	return c.mon.Refresh(ctx)
}

// closePlans runs ClosePlans and logs the outcome.
func (c *Chores) closePlans(ctx context.Context) {
	ids, err := c.ClosePlans(ctx)
	if err != nil && ctx.Err() == nil {
		c.logger.Warn("close plans", "err", err)
	}
	if len(ids) > 0 {
		c.logger.Info("plans closed; their results are public", "plans", ids)
	}
}

// Finalize makes final the results whose objection period ended before
// today, and returns how many became final.
func (c *Chores) Finalize(ctx context.Context) (int, error) {
	n, err := c.store.FinalizeResults(storage.WithActor(ctx, Actor), c.today())
	if n > 0 {
		c.logger.Info("results final", "count", n)
	}
	return n, err
}

// ClosePlans closes now the plans whose tasks are all done or whose due
// dates have passed, and returns their ids.
func (c *Chores) ClosePlans(ctx context.Context) ([]int64, error) {
	now := c.opts.Now()
	return c.store.ClosePlans(ctx, sampling.Today(now, c.cfg.Location), now)
}

// today is the current date in the service's time zone.
func (c *Chores) today() sampling.Day { return sampling.Today(c.opts.Now(), c.cfg.Location) }
