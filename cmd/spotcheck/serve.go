package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"spotcheck/bulletin"
	"spotcheck/chores"
	"spotcheck/config"
	"spotcheck/demo"
	"spotcheck/httpapi"
	"spotcheck/monitor"
	"spotcheck/notify"
	"spotcheck/sampling"
	"spotcheck/scheduler"
	"spotcheck/storage"
)

// refreshEvery is how often the rates snapshot is rebuilt from the database
// besides after each write: it picks up other replicas' writes.
const refreshEvery = 15 * time.Second

// shutdownTimeout bounds graceful shutdown.
const shutdownTimeout = 15 * time.Second

func cmdServe(ctx context.Context, args []string, e env) error {
	c := newCommand("serve", "serve [--listen ADDR] [--tls-cert FILE --tls-key FILE] [--demo] [--db URL] [--config FILE]", e)
	listen := c.fs.String("listen", "127.0.0.1:8080", "address to serve HTTP on")
	tlsCert := c.fs.String("tls-cert", "", "serve HTTPS with this certificate file (PEM), with --tls-key")
	tlsKey := c.fs.String("tls-key", "", "the private key file (PEM) of --tls-cert")
	withDemo := c.fs.Bool("demo", false, "load the built-in demo registry and fast schedules, and simulate inspectors recording results")
	if _, err := c.parse(args, 0, 0); err != nil {
		return helpOK(err)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError("serve: give both --tls-cert and --tls-key, or neither")
	}
	logger := newLogger(e, slog.LevelInfo)
	if e.getenv("GOGC") == "" {
		// A fire's frame, tens of MB for a million units, holds no
		// pointers, so the collector has next to nothing to mark in it:
		// collecting when the heap has grown by half rather than doubled
		// costs little, and keeps a fire's peak resident memory down (see
		// docs/benchmarks.md, "Fires on a large registry"). GOGC decides
		// when set.
		debug.SetGCPercent(50)
	}
	cfg := config.Default() // serve runs the demo only when asked
	if *withDemo || c.configPath != "" {
		var err error
		cfg, err = c.loadConfigOrDemo(*withDemo)
		if err != nil {
			return err
		}
	}
	if len(cfg.Schedules) == 0 {
		logger.Warn("no schedules configured: no plans will be made; pass --config FILE, or --demo to try the service")
	}
	patience, err := startupRetry(e)
	if err != nil {
		return err
	}
	// A database that restarts or fails over while serve starts is
	// retried (retryConnection), not a failed start.
	var store *storage.Store
	err = retryConnection(ctx, logger, patience, "open and migrate the database", func(ctx context.Context) error {
		var err error
		store, err = c.openStore(ctx, logger, resultPolicy(cfg, e.now))
		return err
	})
	if err != nil {
		return err
	}
	defer store.Close()
	release, err := store.ClaimServe(fmt.Sprintf("spotcheck serve (pid %d, since %s)", os.Getpid(), e.now().Format(time.RFC3339)))
	if err != nil {
		return err
	}
	defer release()
	var demoInspectors []sampling.Inspector
	if *withDemo {
		units, inspectors := demo.Registry(1)
		demoInspectors = inspectors
		err := retryConnection(ctx, logger, patience, "load the demo registry", func(ctx context.Context) error {
			if err := store.UpsertUnits(ctx, units); err != nil {
				return err
			}
			return store.UpsertInspectors(ctx, inspectors)
		})
		if err != nil {
			return err
		}
		logger.Info("demo registry loaded", "units", len(units), "inspectors", len(inspectors))
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(store.DB(), "spotcheck"),
		buildInfo(),
	)
	mon := monitor.New(cfg, store, e.now, logger)
	work := chores.New(cfg, store, mon, logger, chores.Options{Now: e.now, Refresh: refreshEvery})
	if err := retryConnection(ctx, logger, patience, "take the first snapshot", work.Refresh); err != nil {
		return err
	}
	reg.MustRegister(monitor.NewCollector(mon, refreshEvery))
	// This process's writes, plans included, show in the snapshot as they
	// commit; other replicas' writes arrive with the chores' refresh.
	stopWatch := store.Watch(mon.Apply)
	defer stopWatch()
	notifier := notify.New(cfg, store, reg, logger, notify.Options{Now: e.now})
	hold, err := holdPlanHook(e, logger)
	if err != nil {
		return err
	}
	// The scheduler reads the database's clock, which all replicas share.
	sched, err := scheduler.New(cfg, store, reg, logger, scheduler.Options{
		OnPlan: func(ctx context.Context, p sampling.Plan) {
			notifier.Wake()
		},
		Notices:      notify.Notices(cfg),
		BeforeCommit: hold,
	})
	if err != nil {
		return badInput(err)
	}

	bulletins, err := bulletin.NewRenderer(bulletin.CJKFonts())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	srv := &http.Server{
		Handler: httpapi.NewHandler(httpapi.Deps{
			Config: cfg, Store: store, Monitor: mon, Chores: work, Bulletins: bulletins, Gatherer: reg, Registerer: reg, Logger: logger, Now: e.now,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		// Whole requests and responses are bounded too: a bulk import of
		// 64 MiB has two minutes.
		ReadTimeout:    2 * time.Minute,
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}

	// The background components outlive ctx until their Stop: the
	// scheduler lets a plan being made commit first.
	bg := context.WithoutCancel(ctx)
	work.Start(bg)
	defer work.Stop()
	var sim *demo.Simulator
	if *withDemo {
		rec := simRecorder{store: store, chores: work, cfg: cfg.Location, now: e.now, leave: demoInspectors[0].ID, logger: logger}
		sim = demo.NewSimulator(rec, logger, 1, e.now)
		if err := sim.Start(bg, 2*time.Second); err != nil {
			return err
		}
		defer sim.Stop()
	}
	stopBackground := func() {
		sched.Stop()
		work.Stop()
		if sim != nil {
			sim.Stop()
		}
	}
	notifier.Start(bg)
	defer notifier.Stop()
	sched.Start(bg)
	serveErr := make(chan error, 1)
	base := "http://" + ln.Addr().String()
	if *tlsCert != "" {
		base = "https://" + ln.Addr().String()
		go func() { serveErr <- srv.ServeTLS(ln, *tlsCert, *tlsKey) }()
	} else {
		go func() { serveErr <- srv.Serve(ln) }()
	}
	logger.Info("serving", "addr", base, "db", storage.Redact(c.db), "schedules", len(cfg.Schedules), "demo", *withDemo)
	if *withDemo {
		if err := printDemoTokens(ctx, store, demoInspectors, base, e); err != nil {
			logger.Warn("make demo tokens", "err", err)
		}
	}

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-serveErr:
		stopBackground()
		return fmt.Errorf("serve HTTP: %w", err)
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	// Stop taking requests, let a plan being made commit or roll back,
	// then stop the chores and the simulator.
	httpErr := srv.Shutdown(shutCtx)
	stopBackground()
	if httpErr != nil && !errors.Is(httpErr, http.ErrServerClosed) {
		return fmt.Errorf("shut down HTTP: %w", httpErr)
	}
	logger.Info("stopped")
	return nil
}

// simRecorder lets the demo simulator record results like the API does.
// It leaves the tasks of one inspector (leave, the one whose token the demo
// prints) to the person trying the inspectors' pages, and closes the tasks
// it records, so that plans without such tasks close within a minute and
// their disclosures can be tried.
type simRecorder struct {
	store  *storage.Store
	chores *chores.Chores
	cfg    *time.Location
	now    func() time.Time
	leave  string
	logger *slog.Logger
}

func (r simRecorder) PendingTasks(ctx context.Context, limit int) ([]sampling.Task, error) {
	return r.store.PendingTasksExcept(ctx, limit, r.leave)
}

func (r simRecorder) RecordResults(ctx context.Context, results []sampling.Result) error {
	ctx = storage.WithActor(ctx, "demo-simulator")
	if _, err := r.store.RecordResults(ctx, results, r.now().In(r.cfg)); err != nil {
		return err
	}
	for _, res := range results {
		if err := r.store.CloseTask(ctx, res.TaskID, r.now()); err != nil {
			r.logger.Warn("close demo task", "task", res.TaskID, "err", err)
		}
	}
	if ids, err := r.chores.ClosePlans(ctx); err != nil {
		r.logger.Warn("close demo plans", "err", err)
	} else if len(ids) > 0 {
		r.logger.Info("plans closed; their results are public", "plans", ids)
	}
	return nil
}

// helpOK turns a shown --help into success.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
