package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"spotcheck/storage"
)

// envStartupRetry names how long serve keeps retrying a lost database
// connection while it starts (opening, migrating under the migration lock,
// the first snapshot): a duration such as 30s, 0 to fail at once.
const envStartupRetry = "SPOTCHECK_STARTUP_RETRY"

// defaultStartupRetry rides out a database restart or a failover.
const defaultStartupRetry = 30 * time.Second

// startupRetry returns how long to retry, from envStartupRetry.
func startupRetry(e env) (time.Duration, error) {
	v := e.getenv(envStartupRetry)
	if v == "" {
		return defaultStartupRetry, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usageError("%s=%q: want a duration such as 30s, or 0", envStartupRetry, v)
	}
	return d, nil
}

// retryConnection runs step, and again after a lost connection to the
// database (storage.IsConnectionError) with a backoff doubling from 250ms
// to 5s, logging each retry, until it succeeds, fails otherwise, or patience
// has passed: then the error says how long and how often it was tried.
func retryConnection(ctx context.Context, logger *slog.Logger, patience time.Duration, what string, step func(context.Context) error) error {
	start := time.Now()
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := step(ctx)
		if err == nil || !storage.IsConnectionError(err) {
			return err
		}
		elapsed := time.Since(start)
		if elapsed+wait > patience {
			if attempt == 1 {
				return fmt.Errorf("%s: the database connection failed: %w", what, err)
			}
			return fmt.Errorf("%s: the database connection failed %d times over %s (%s=%s): %w",
				what, attempt, elapsed.Round(time.Millisecond), envStartupRetry, patience, err)
		}
		logger.Warn("database connection lost while starting; retrying", "step", what, "attempt", attempt, "retry_in", wait, "err", err)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}
