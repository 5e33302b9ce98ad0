// Package notify delivers the outbox: the messages that tell inspectors of
// their tasks (written with each plan, see Notices) and remind them of due
// dates, to each inspector's webhook or a default one, as a generic JSON
// body or the text messages of the DingTalk and WeCom group robots, in the
// inspector's language.
//
// Every replica runs a Notifier. A message is taken from the outbox under a
// lease (storage.TakeNotices), so that replicas share the work and no
// message is sent by two at once; a failed attempt is retried with backoff
// from the database, so retries survive restarts; a message that keeps
// failing ends failed with its last error. Delivery is at least once: a
// replica that dies after the receiver took a message and before recording
// it leaves the message to be sent again, with the same message id, which a
// receiver uses to drop the duplicate.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Options tune a Notifier; the zero value is usable.
type Options struct {
	// Client sends the requests; a default client when nil. Each delivery
	// is bounded by notifications.timeout.
	Client *http.Client
	// Now is the clock: of the outbox's due times and leases, and of
	// DingTalk signatures; time.Now when nil.
	Now func() time.Time
}

// maxBackoff caps the wait between two attempts.
const maxBackoff = 10 * time.Minute

// batch is how many messages a round takes and sends at once.
const batch = 8

// leaseMargin is how much longer a lease lasts than the delivery it
// covers: the delivery is cancelled at its timeout, well before another
// replica may take the message.
const leaseMargin = 10 * time.Second

// Notifier delivers the outbox's messages.
type Notifier struct {
	cfg    *config.Config
	store  *storage.Store
	client *http.Client
	now    func() time.Time
	logger *slog.Logger

	sent     *prometheus.CounterVec
	attempts *prometheus.CounterVec
	stats    atomic.Pointer[storage.OutboxStats]

	wake chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc // nil until Start
	done   chan struct{}
}

// New returns a notifier of store's outbox for cfg's notifications that
// registers its metrics on reg.
func New(cfg *config.Config, store *storage.Store, reg prometheus.Registerer, logger *slog.Logger, opts Options) *Notifier {
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := promauto.With(reg)
	n := &Notifier{cfg: cfg, store: store, client: opts.Client, now: opts.Now, logger: logger.With("component", "notify"),
		sent: f.NewCounterVec(prometheus.CounterOpts{Name: "spotcheck_notifications_total",
			Help: "Outbox messages by webhook format and outcome: delivered, retry (an attempt failed; it is tried again) or failed (given up)."},
			[]string{"format", "outcome"}),
		attempts: f.NewCounterVec(prometheus.CounterOpts{Name: "spotcheck_notification_attempts_total",
			Help: "Attempts to send an outbox message, by webhook format and result (ok or error)."},
			[]string{"format", "result"}),
		wake: make(chan struct{}, 1),
	}
	reg.MustRegister(newOutboxCollector(n))
	return n
}

// Start delivers until Stop or until ctx is done: at once, then every
// notifications.poll and whenever Wake is called.
func (n *Notifier) Start(ctx context.Context) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cancel != nil {
		return
	}
	ctx, n.cancel = context.WithCancel(ctx)
	n.done = make(chan struct{})
	go func() {
		defer close(n.done)
		n.run(ctx)
	}()
}

// Stop cancels the deliveries under way, records them to be retried, and
// waits for the notifier to end. Stop may be called more than once.
func (n *Notifier) Stop() {
	n.mu.Lock()
	cancel, done := n.cancel, n.done
	n.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Wake makes the notifier look for due messages now, such as those of a
// plan just made. It never blocks.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *Notifier) run(ctx context.Context) {
	poll := time.Duration(n.cfg.Notifications.Poll)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-n.wake:
		}
		for {
			k, err := n.round(ctx)
			if err != nil {
				if ctx.Err() == nil {
					n.logger.Warn("deliver notifications", "err", err)
				}
				break
			}
			if k < batch {
				break
			}
		}
		n.refreshStats(ctx)
		t.Reset(poll)
	}
}

// round takes the messages due now, up to a batch, sends them at once and
// records each outcome. It returns how many it took.
func (n *Notifier) round(ctx context.Context) (int, error) {
	timeout := time.Duration(n.cfg.Notifications.Timeout)
	taken, err := n.store.TakeNotices(ctx, storage.Take{Now: n.now(), Lease: timeout + leaseMargin, Limit: batch,
		SkipPaused: n.cfg.Notifications.Reminders.SkipPaused})
	if err != nil || len(taken) == 0 {
		return 0, err
	}
	// The deadline runs from after the take, which the lease began before.
	sendCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, notice := range taken {
		wg.Go(func() { n.deliver(sendCtx, ctx, notice) })
	}
	wg.Wait()
	return len(taken), nil
}

// deliver sends one taken message and records the outcome. ctx bounds the
// sending; run is the notifier's, which ends at Stop.
func (n *Notifier) deliver(ctx, run context.Context, notice storage.Notice) {
	logger := n.logger.With("message_id", notice.MessageID, "attempt", notice.Attempts)
	hook, ok := webhook(n.cfg, notice.Inspector)
	format := hook.Format
	if !ok {
		format = "none"
	}
	parts, retry, err := n.send(ctx, notice, hook, ok)
	o := storage.Outcome{Status: storage.NoticeSent, PartsSent: parts, At: n.now()}
	outcome := "delivered"
	switch {
	case err == nil:
		n.attempts.WithLabelValues(format, "ok").Inc()
		logger.Debug("notification delivered")
	case run.Err() != nil:
		// Stopped mid-delivery: due again at once, for the next start or
		// another replica.
		o.Status, o.Error, outcome = storage.NoticePending, "interrupted: the service stopped during the delivery", ""
	case retry && notice.Attempts < n.cfg.Notifications.Attempts:
		n.attempts.WithLabelValues(format, "error").Inc()
		wait := backoff(time.Duration(n.cfg.Notifications.Backoff), notice.Attempts)
		o.Status, o.Error, o.NextAt, outcome = storage.NoticePending, err.Error(), o.At.Add(wait), "retry"
		logger.Info("notification failed; retrying", "err", err, "retry_in", wait)
	default:
		n.attempts.WithLabelValues(format, "error").Inc()
		o.Status, o.Error, outcome = storage.NoticeFailed, err.Error(), "failed"
		logger.Warn("notification given up", "err", err)
	}
	// Recorded even when stopping: a short write of its own.
	rec, cancel := context.WithTimeout(context.WithoutCancel(run), 5*time.Second)
	defer cancel()
	mine, rerr := n.store.FinishNotice(rec, notice, o)
	switch {
	case rerr != nil:
		logger.Warn("record notification outcome", "err", rerr)
	case !mine:
		logger.Warn("notification outcome not recorded: its lease ran out or it was retried by hand", "status", o.Status)
	case outcome != "":
		n.sent.WithLabelValues(format, outcome).Inc()
	}
}

// send renders and sends the parts of a message that the receiver has not
// taken yet. It returns the parts taken in all, and for an error whether
// it is worth retrying.
func (n *Notifier) send(ctx context.Context, notice storage.Notice, hook config.Webhook, ok bool) (int, bool, error) {
	if !ok {
		return notice.PartsSent, false, fmt.Errorf("inspector %s has no webhook (notifications.inspectors or notifications.default)", notice.Inspector)
	}
	m, err := n.load(ctx, notice, hook)
	if err != nil {
		return notice.PartsSent, true, err
	}
	bodies := bodies(n.cfg, m)
	parts := notice.PartsSent
	for parts < len(bodies) {
		retry, err := n.post(ctx, hook, m, bodies[parts])
		if err != nil {
			return parts, retry, err
		}
		parts++
	}
	return parts, false, nil
}

// load reads what a message tells from the database: the inspector's tasks
// of the plan, or the task a reminder is about.
func (n *Notifier) load(ctx context.Context, notice storage.Notice, hook config.Webhook) (message, error) {
	names, err := n.store.InspectorNames(ctx)
	if err != nil {
		return message{}, err
	}
	m := message{notice: notice, hook: hook, names: names}
	if notice.TaskID != 0 {
		d, err := n.store.TaskDetail(ctx, notice.TaskID, sampling.Today(n.now(), n.cfg.Location))
		if err != nil {
			return message{}, err
		}
		m.plan = sampling.Plan{ID: d.PlanID, Industry: d.Industry, NominalTime: d.NominalTime}
		m.tasks = []sampling.Task{d.Task}
	} else {
		p, err := n.store.Plan(ctx, notice.PlanID)
		if err != nil {
			return message{}, err
		}
		m.plan = p
		for _, t := range p.Tasks {
			for _, id := range t.Inspectors {
				if id == notice.Inspector {
					m.tasks = append(m.tasks, t)
					break
				}
			}
		}
		m.plan.Tasks = nil
	}
	return m, nil
}

// backoff is the wait after the attempt-th failed attempt: base, then
// twice as long each time, at most maxBackoff.
func backoff(base time.Duration, attempt int) time.Duration {
	wait := base
	for i := 1; i < attempt && wait < maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, maxBackoff)
}

// refreshStats reads the outbox's counts for the metrics, so that a scrape
// reads memory only.
func (n *Notifier) refreshStats(ctx context.Context) {
	st, err := n.store.OutboxStats(ctx, n.now())
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			n.logger.Warn("count notifications", "err", err)
		}
		return
	}
	n.stats.Store(&st)
}

// outboxCollector exports the counts of the notifier's last look at the
// outbox.
type outboxCollector struct {
	n                    *Notifier
	pending, failed, age *prometheus.Desc
}

func newOutboxCollector(n *Notifier) outboxCollector {
	return outboxCollector{n: n,
		pending: prometheus.NewDesc("spotcheck_notifications_pending",
			"Outbox messages due and not yet delivered, at this replica's last look (every notifications.poll).", nil, nil),
		failed: prometheus.NewDesc("spotcheck_notifications_failed",
			"Outbox messages given up after their attempts; `spotcheck notifications retry` queues them again.", nil, nil),
		age: prometheus.NewDesc("spotcheck_notifications_oldest_pending_age_seconds",
			"How long the oldest pending outbox message has been due; 0 when none is pending.", nil, nil),
	}
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.failed
	ch <- c.age
}

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.n.stats.Load()
	if st == nil {
		return
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(c.n.now().Sub(st.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, float64(st.Failed))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
}
