-- +goose Up
-- Results keep their whole history: a task's first result, its retest (on
-- the enterprise's objection) and any corrections are separate versions,
-- and only the newest counts. The content of a version never changes once
-- written; state (provisional, final, superseded) and objected_on do.
-- SQLite cannot drop a UNIQUE constraint, so the table is rebuilt. Imports
-- check set-wise that every task exists, as on PostgreSQL, where a per-row
-- foreign-key trigger would cost more than the rest of a large import.
CREATE TABLE results_v4 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id         INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    kind            TEXT NOT NULL DEFAULT 'first' CHECK (kind IN ('first', 'retest', 'correction')),
    outcome         TEXT NOT NULL CHECK (outcome IN ('pass', 'fail')),
    tested_on       TEXT NOT NULL,
    report_no       TEXT NOT NULL DEFAULT '',
    failed_items    TEXT NOT NULL DEFAULT '',
    counted_on      TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    state           TEXT NOT NULL DEFAULT 'provisional' CHECK (state IN ('provisional', 'final', 'superseded')),
    objection_until TEXT NOT NULL DEFAULT '',
    objected_on     TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    recorded_by     TEXT NOT NULL DEFAULT '',
    recorded_at     TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    audit_seq       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (task_id, version)
);
-- Results recorded before this migration get the default 15-day objection
-- period from their test date and become final when it has passed.
INSERT INTO results_v4 (id, task_id, outcome, tested_on, report_no, failed_items, counted_on, idempotency_key, objection_until, recorded_at)
SELECT id, task_id, outcome, tested_on, report_no, failed_items, tested_on, idempotency_key, date(tested_on, '+15 days'), recorded_at
FROM results;
DROP TABLE results;
ALTER TABLE results_v4 RENAME TO results;
CREATE UNIQUE INDEX results_idempotency_key ON results (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX results_provisional ON results (objection_until) WHERE state = 'provisional';

-- The audit log: one row per change, chained by hash. seq is assigned by
-- the writer (previous + 1) so that a removed row leaves a gap; hash covers
-- prev_hash and every other column.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    before    TEXT NOT NULL DEFAULT '',
    after     TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL UNIQUE,
    hash      TEXT NOT NULL
);

-- Rollups split provisional from final counts and carry the sums of
-- 1/inclusion probability for the design-weighted (Hájek) estimate.
DROP TABLE rollups;
CREATE TABLE rollups (
    day      TEXT NOT NULL,
    tier     TEXT NOT NULL,
    industry TEXT NOT NULL,
    category TEXT NOT NULL,
    county   TEXT NOT NULL,
    state    TEXT NOT NULL CHECK (state IN ('provisional', 'final')),
    tested   INTEGER NOT NULL,
    failed   INTEGER NOT NULL,
    w_tested REAL NOT NULL DEFAULT 0,
    w_failed REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (day, tier, industry, category, county, state)
);
INSERT INTO rollups (day, tier, industry, category, county, state, tested, failed, w_tested, w_failed)
SELECT r.counted_on, t.tier, t.industry, t.category, t.county, r.state, count(*),
       sum(CASE WHEN r.outcome = 'fail' THEN 1 ELSE 0 END),
       sum(CASE WHEN t.inclusion_probability > 0 THEN 1 / t.inclusion_probability ELSE 0 END),
       sum(CASE WHEN t.inclusion_probability > 0 AND r.outcome = 'fail' THEN 1 / t.inclusion_probability ELSE 0 END)
FROM results r JOIN tasks t ON t.id = r.task_id
WHERE true
GROUP BY r.counted_on, t.tier, t.industry, t.category, t.county, r.state;

-- +goose Down
DROP TABLE rollups;
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
DROP TABLE audit_log;
-- Only the newest version of each result survives the way down.
CREATE TABLE results_v1 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id         INTEGER NOT NULL UNIQUE REFERENCES tasks (id),
    outcome         TEXT NOT NULL CHECK (outcome IN ('pass', 'fail')),
    tested_on       TEXT NOT NULL,
    report_no       TEXT NOT NULL DEFAULT '',
    failed_items    TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,
    recorded_at     TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
INSERT INTO results_v1 (id, task_id, outcome, tested_on, report_no, failed_items, idempotency_key, recorded_at)
SELECT id, task_id, outcome, tested_on, report_no, failed_items, idempotency_key, recorded_at
FROM results WHERE state <> 'superseded';
DROP TABLE results;
ALTER TABLE results_v1 RENAME TO results;
INSERT INTO rollups (day, tier, industry, category, county, tested, failed)
SELECT r.tested_on, t.tier, t.industry, t.category, t.county, count(*),
       sum(CASE WHEN r.outcome = 'fail' THEN 1 ELSE 0 END)
FROM results r JOIN tasks t ON t.id = r.task_id
WHERE true
GROUP BY r.tested_on, t.tier, t.industry, t.category, t.county;
