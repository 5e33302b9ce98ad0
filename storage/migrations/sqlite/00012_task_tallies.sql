-- +goose Up
-- Tasks counted by plan, due date, tier, industry, county, stored status
-- and whether they have a result (which makes a task awaiting one tested, see taskStatus), kept by
-- every write in its own transaction, so that a snapshot refresh reads
-- these few rows instead of counting every task and joining the open ones
-- with every result. Rows that fall to zero stay, with n = 0.
CREATE TABLE task_tallies (
    plan_id     INTEGER NOT NULL REFERENCES plans (id),
    due         TEXT NOT NULL,
    tier        TEXT NOT NULL,
    industry    TEXT NOT NULL,
    county      TEXT NOT NULL,
    status      TEXT NOT NULL,
    with_result INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (plan_id, due, tier, industry, county, status, with_result)
);
INSERT INTO task_tallies (plan_id, due, tier, industry, county, status, with_result, n)
SELECT t.plan_id, t.due, t.tier, t.industry, t.county, t.status, EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.id), count(*)
FROM tasks t
GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- The number of the last write that changed what the rates snapshot shows
-- (rollups, task tallies, plans). Each such write takes the next number in
-- its own transaction, so the writes are ordered, and a snapshot read in
-- one transaction knows which of them it includes (see Store.SnapshotState).
CREATE TABLE snapshot_seq (
    id  INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO snapshot_seq (seq) VALUES (0);

-- +goose Down
DROP TABLE snapshot_seq;
DROP TABLE task_tallies;
