-- +goose Up
-- Finalization reads the results it makes final and no others: provisional
-- results with no objection pending, by the day their objection period
-- ends (see FinalizeResults). A tick that finds none reads an empty range
-- of this index, however many results are stored or held by an objection.
-- It replaces the finalize mark, from which every tick counted the results
-- on (migration 6), and costs an imported result an entry in a small
-- index, dropped again when the result becomes final.
CREATE INDEX results_finalizable ON results (objection_until) WHERE state = 'provisional' AND objected_on = '';
DROP TABLE finalize_mark;

-- +goose Down
CREATE TABLE finalize_mark (
    id      INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    from_id BIGINT NOT NULL
);
INSERT INTO finalize_mark (from_id) VALUES (0);
DROP INDEX results_finalizable;
