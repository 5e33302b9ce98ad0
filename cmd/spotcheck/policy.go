package main

import (
	"context"
	"log/slog"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// resultPolicy is the store option of the configuration's objection
// periods and the clock of audit entries, for commands that change or
// finalize results.
func resultPolicy(cfg *config.Config, now func() time.Time) storage.Option {
	return storage.WithResultPolicy(storage.ResultPolicy{
		Objection: sampling.ObjectionPolicy{
			Days:        cfg.ObjectionDays(),
			DefaultDays: int(time.Duration(config.DefaultObjectionPeriod) / (24 * time.Hour)),
		},
		Now: now,
	})
}

// openForResults loads the configuration and opens the store with its
// result policy, for commands that change results.
func (c *command) openForResults(ctx context.Context) (*config.Config, *storage.Store, error) {
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	store, err := c.openStore(ctx, newLogger(c.e, slog.LevelWarn), resultPolicy(cfg, c.e.now))
	if err != nil {
		return nil, nil, err
	}
	return cfg, store, nil
}
