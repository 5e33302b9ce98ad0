-- +goose Up
CREATE TABLE enterprises (
    credit_code TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    county      TEXT NOT NULL,
    industry    TEXT NOT NULL,
    risk        TEXT NOT NULL DEFAULT 'B' CHECK (risk IN ('A', 'B', 'C', 'D')),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at  TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

-- A sampling unit: one enterprise's products of one category.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code TEXT NOT NULL REFERENCES enterprises (credit_code),
    industry    TEXT NOT NULL,
    category    TEXT NOT NULL,
    UNIQUE (credit_code, category)
);
CREATE INDEX units_industry ON units (industry);

CREATE TABLE inspectors (
    id     TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    county TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE inspector_industries (
    inspector_id TEXT NOT NULL REFERENCES inspectors (id) ON DELETE CASCADE,
    industry     TEXT NOT NULL,
    PRIMARY KEY (inspector_id, industry)
);

CREATE TABLE recusals (
    inspector_id TEXT NOT NULL REFERENCES inspectors (id) ON DELETE CASCADE,
    credit_code  TEXT NOT NULL,
    PRIMARY KEY (inspector_id, credit_code)
);

-- The fire ledger: one row per (schedule, fire). fire_key is the nominal
-- fire time for scheduled and catch-up fires, and a distinct key for manual
-- fires, so that the unique constraint is the exactly-once guard.
CREATE TABLE fires (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule     TEXT NOT NULL,
    fire_key     TEXT NOT NULL,
    nominal_time TIMESTAMP NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('scheduled', 'catch_up', 'manual')),
    status       TEXT NOT NULL CHECK (status IN ('made', 'missed', 'failed', 'skipped')),
    message      TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL DEFAULT '',
    recorded_at  TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    UNIQUE (schedule, fire_key)
);
CREATE INDEX fires_schedule_time ON fires (schedule, nominal_time);

CREATE TABLE plans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    fire_id      INTEGER NOT NULL UNIQUE REFERENCES fires (id),
    schedule     TEXT NOT NULL,
    industry     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    nominal_time TIMESTAMP NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open',
    algorithm    TEXT NOT NULL,
    seed         TEXT NOT NULL,
    frame_digest TEXT NOT NULL,
    commitment   TEXT NOT NULL,
    frame_size   INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE INDEX plans_schedule ON plans (schedule, nominal_time);

-- Enterprise name, county and tier are copied at draw time: the plan records
-- what was drawn even if the registry or the configuration changes later.
CREATE TABLE tasks (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id               INTEGER NOT NULL REFERENCES plans (id),
    credit_code           TEXT NOT NULL REFERENCES enterprises (credit_code),
    enterprise            TEXT NOT NULL,
    county                TEXT NOT NULL,
    industry              TEXT NOT NULL,
    category              TEXT NOT NULL,
    tier                  TEXT NOT NULL,
    inclusion_probability REAL NOT NULL,
    due                   TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'assigned'
);
CREATE INDEX tasks_plan ON tasks (plan_id);
CREATE INDEX tasks_status ON tasks (status);

CREATE TABLE task_inspectors (
    task_id      INTEGER NOT NULL REFERENCES tasks (id),
    inspector_id TEXT NOT NULL REFERENCES inspectors (id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (task_id, inspector_id)
);
CREATE INDEX task_inspectors_inspector ON task_inspectors (inspector_id);

CREATE TABLE results (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id         INTEGER NOT NULL UNIQUE REFERENCES tasks (id),
    outcome         TEXT NOT NULL CHECK (outcome IN ('pass', 'fail')),
    tested_on       TEXT NOT NULL,
    report_no       TEXT NOT NULL DEFAULT '',
    failed_items    TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,
    recorded_at     TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

-- Daily rollups of outcomes, updated in the same transaction as each result.
CREATE TABLE rollups (
    day      TEXT NOT NULL,
    tier     TEXT NOT NULL,
    industry TEXT NOT NULL,
    category TEXT NOT NULL,
    county   TEXT NOT NULL,
    tested   INTEGER NOT NULL,
    failed   INTEGER NOT NULL,
    PRIMARY KEY (day, tier, industry, category, county)
);

-- +goose Down
DROP TABLE rollups;
DROP TABLE results;
DROP TABLE task_inspectors;
DROP TABLE tasks;
DROP TABLE plans;
DROP TABLE fires;
DROP TABLE recusals;
DROP TABLE inspector_industries;
DROP TABLE inspectors;
DROP TABLE units;
DROP TABLE enterprises;
