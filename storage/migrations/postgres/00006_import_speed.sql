-- +goose Up
-- Rollups group results by their task's cell. Without statistics on how
-- few distinct cells there are, the planner multiplies the columns'
-- distinct counts, expects millions of groups and sorts a large import's
-- rows on disk instead of hashing them in memory.
CREATE STATISTICS tasks_cell (ndistinct) ON tier, industry, category, county FROM tasks;
ANALYZE tasks;

-- Every index on results is paid by every imported row, so results keep
-- one B-tree: a result is found by its task and version. The serial id
-- only orders results, and a BRIN index (a few pages for millions of rows,
-- as ids grow with the table) lets finalization read from its mark on
-- instead of keeping a B-tree over every provisional result.
ALTER TABLE results DROP CONSTRAINT results_pkey;
ALTER TABLE results DROP CONSTRAINT results_task_version;
ALTER TABLE results ADD CONSTRAINT results_pkey PRIMARY KEY (task_id, version);
CREATE INDEX results_id ON results USING brin (id);
DROP INDEX results_provisional;

-- Every result before from_id is final or superseded (see
-- FinalizeResults). Writers of results hold the results lock, so ids are
-- committed in order.
CREATE TABLE finalize_mark (
    id      INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    from_id BIGINT NOT NULL
);
INSERT INTO finalize_mark (from_id) VALUES (0);

-- +goose Down
DROP TABLE finalize_mark;
CREATE INDEX results_provisional ON results (objection_until) WHERE state = 'provisional';
DROP INDEX results_id;
ALTER TABLE results DROP CONSTRAINT results_pkey;
ALTER TABLE results ADD CONSTRAINT results_task_version UNIQUE (task_id, version);
ALTER TABLE results ADD CONSTRAINT results_pkey PRIMARY KEY (id);
DROP STATISTICS tasks_cell;
