-- +goose Up
-- When the making of a plan began, once its locks were held, by the clock
-- that records the ledger (the database's); recorded_at is when the fire was
-- settled. Null for fires that made no plan. Together they tell whether a
-- fire came due while the schedule's previous plan was still being made.
ALTER TABLE fires ADD COLUMN started_at TIMESTAMPTZ;
CREATE INDEX fires_schedule_status ON fires (schedule, status, nominal_time);

-- When replicas first ran each schedule: a schedule with no fires in the
-- ledger starts from here, so that replicas starting at different times
-- agree on its first fire.
CREATE TABLE schedule_starts (
    schedule   TEXT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL
);

-- Pause state of each schedule, shared by every replica. A schedule without
-- a row is active.
CREATE TABLE schedule_states (
    schedule   TEXT PRIMARY KEY,
    paused     BOOLEAN NOT NULL DEFAULT FALSE,
    reason     TEXT NOT NULL DEFAULT '',
    changed_by TEXT NOT NULL DEFAULT '',
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE schedule_states;
DROP TABLE schedule_starts;
DROP INDEX fires_schedule_status;
ALTER TABLE fires DROP COLUMN started_at;
