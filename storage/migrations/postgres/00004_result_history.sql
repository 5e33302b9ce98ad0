-- +goose Up
-- Results keep their whole history: a task's first result, its retest (on
-- the enterprise's objection) and any corrections are separate versions,
-- and only the newest counts. The content of a version never changes once
-- written; state (provisional, final, superseded) and objected_on do.
ALTER TABLE results DROP CONSTRAINT results_task_id_key;
ALTER TABLE results DROP CONSTRAINT results_idempotency_key_key;
-- Imports check set-wise that every task exists; a per-row foreign-key
-- trigger would cost more than the rest of a million-row import.
ALTER TABLE results DROP CONSTRAINT results_task_id_fkey;
ALTER TABLE results
    ADD COLUMN version         INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN kind            TEXT NOT NULL DEFAULT 'first' CHECK (kind IN ('first', 'retest', 'correction')),
    ADD COLUMN counted_on      TEXT NOT NULL DEFAULT '',
    ADD COLUMN state           TEXT NOT NULL DEFAULT 'provisional' CHECK (state IN ('provisional', 'final', 'superseded')),
    ADD COLUMN objection_until TEXT NOT NULL DEFAULT '',
    ADD COLUMN objected_on     TEXT NOT NULL DEFAULT '',
    ADD COLUMN reason          TEXT NOT NULL DEFAULT '',
    ADD COLUMN recorded_by     TEXT NOT NULL DEFAULT '',
    ADD COLUMN audit_seq       BIGINT NOT NULL DEFAULT 0;
-- Results recorded before this migration get the default 15-day objection
-- period from their test date and become final when it has passed.
UPDATE results SET counted_on = tested_on,
    objection_until = to_char(tested_on::date + 15, 'YYYY-MM-DD');
ALTER TABLE results ADD CONSTRAINT results_task_version UNIQUE (task_id, version);
CREATE UNIQUE INDEX results_idempotency_key ON results (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX results_provisional ON results (objection_until) WHERE state = 'provisional';

-- The audit log: one row per change, chained by hash. seq is assigned by
-- the writer (previous + 1) so that a removed row leaves a gap; hash covers
-- prev_hash and every other column.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
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
    w_tested DOUBLE PRECISION NOT NULL DEFAULT 0,
    w_failed DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (day, tier, industry, category, county, state)
);
INSERT INTO rollups (day, tier, industry, category, county, state, tested, failed, w_tested, w_failed)
SELECT r.counted_on, t.tier, t.industry, t.category, t.county, r.state, count(*),
       sum(CASE WHEN r.outcome = 'fail' THEN 1 ELSE 0 END),
       sum(CASE WHEN t.inclusion_probability > 0 THEN 1 / t.inclusion_probability ELSE 0 END),
       sum(CASE WHEN t.inclusion_probability > 0 AND r.outcome = 'fail' THEN 1 / t.inclusion_probability ELSE 0 END)
FROM results r JOIN tasks t ON t.id = r.task_id
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
DELETE FROM results WHERE state = 'superseded';
INSERT INTO rollups (day, tier, industry, category, county, tested, failed)
SELECT r.tested_on, t.tier, t.industry, t.category, t.county, count(*),
       sum(CASE WHEN r.outcome = 'fail' THEN 1 ELSE 0 END)
FROM results r JOIN tasks t ON t.id = r.task_id
GROUP BY r.tested_on, t.tier, t.industry, t.category, t.county;
DROP INDEX results_provisional;
DROP INDEX results_idempotency_key;
ALTER TABLE results DROP CONSTRAINT results_task_version;
ALTER TABLE results
    DROP COLUMN version, DROP COLUMN kind, DROP COLUMN counted_on, DROP COLUMN state,
    DROP COLUMN objection_until, DROP COLUMN objected_on, DROP COLUMN reason,
    DROP COLUMN recorded_by, DROP COLUMN audit_seq;
ALTER TABLE results ADD CONSTRAINT results_task_id_key UNIQUE (task_id);
ALTER TABLE results ADD CONSTRAINT results_idempotency_key_key UNIQUE (idempotency_key);
ALTER TABLE results ADD CONSTRAINT results_task_id_fkey FOREIGN KEY (task_id) REFERENCES tasks (id);
