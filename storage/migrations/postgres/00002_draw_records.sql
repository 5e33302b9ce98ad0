-- +goose Up
-- What each plan was drawn from, so that `plan verify` can re-derive it from
-- stored data instead of today's registry.

-- A registry population (an industry's active units) as it stood at a draw.
-- Stored once per distinct content, named by its digest, however many plans
-- draw from it.
CREATE TABLE populations (
    id         BIGSERIAL PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,
    industry   TEXT NOT NULL,
    units      INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE population_units (
    population_id BIGINT NOT NULL REFERENCES populations (id),
    credit_code   TEXT NOT NULL,
    category      TEXT NOT NULL,
    county        TEXT NOT NULL,
    risk          TEXT NOT NULL,
    PRIMARY KEY (population_id, credit_code, category)
);

-- inputs is the JSON of the design, the recent failure counts and the
-- qualified inspectors.
ALTER TABLE plans ADD COLUMN population_id BIGINT REFERENCES populations (id);
ALTER TABLE plans ADD COLUMN inputs TEXT NOT NULL DEFAULT '';
ALTER TABLE plans ADD COLUMN seed_source TEXT NOT NULL DEFAULT '';
ALTER TABLE plans ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;

ALTER TABLE tasks ADD COLUMN stratum TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN quantity_test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN quantity_backup INTEGER NOT NULL DEFAULT 0;

-- The last inspection, at draw time, of each unit whose history changed the
-- frame: excluded by the no-repeat rule, or boosted after a failure.
CREATE TABLE plan_history (
    plan_id     BIGINT NOT NULL REFERENCES plans (id),
    credit_code TEXT NOT NULL,
    category    TEXT NOT NULL,
    task_id     BIGINT NOT NULL,
    drawn_at    TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (plan_id, credit_code, category)
);

-- +goose Down
DROP TABLE plan_history;
ALTER TABLE tasks DROP COLUMN quantity_backup;
ALTER TABLE tasks DROP COLUMN quantity_test;
ALTER TABLE tasks DROP COLUMN stratum;
ALTER TABLE plans DROP COLUMN excluded;
ALTER TABLE plans DROP COLUMN seed_source;
ALTER TABLE plans DROP COLUMN inputs;
ALTER TABLE plans DROP COLUMN population_id;
DROP TABLE population_units;
DROP TABLE populations;
