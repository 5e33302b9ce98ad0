package main

import (
	"context"
	"log/slog"
	"time"
)

// envHoldPlan names a test hook: with a duration such as 5s, serve holds
// each plan's transaction open that long before committing it, logging when
// it starts to hold. End-to-end tests use it to kill or stop a replica
// while it holds a plan open. Never set it in production.
const envHoldPlan = "SPOTCHECK_TEST_HOLD_PLAN_TX"

// holdPlanHook returns the scheduler's BeforeCommit hook that envHoldPlan
// asks for, or nil when it is unset.
func holdPlanHook(e env, logger *slog.Logger) (func(ctx context.Context, schedule string, nominal time.Time) error, error) {
	v := e.getenv(envHoldPlan)
	if v == "" {
		return nil, nil
	}
	hold, err := time.ParseDuration(v)
	if err != nil || hold <= 0 {
		return nil, usageError("%s=%q: want a positive duration such as 5s", envHoldPlan, v)
	}
	return func(ctx context.Context, schedule string, nominal time.Time) error {
		logger.Warn("test hook: holding plan transaction open", "schedule", schedule, "nominal_time", nominal.UTC().Format(time.RFC3339Nano), "hold", hold)
		timer := time.NewTimer(hold)
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, nil
}
