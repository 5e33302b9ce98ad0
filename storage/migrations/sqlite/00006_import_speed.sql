-- +goose Up
-- Every index on results is paid by every imported row. Finalization reads
-- results from its mark on (id is the rowid, so that costs no index)
-- instead of keeping an index over every provisional result.
DROP INDEX results_provisional;

-- Every result before from_id is final or superseded (see
-- FinalizeResults).
CREATE TABLE finalize_mark (
    id      INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    from_id INTEGER NOT NULL
);
INSERT INTO finalize_mark (from_id) VALUES (0);

-- +goose Down
DROP TABLE finalize_mark;
CREATE INDEX results_provisional ON results (objection_until) WHERE state = 'provisional';
