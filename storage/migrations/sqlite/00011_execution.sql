-- +goose Up
-- Every scheduler that ran against this database: when it started and when
-- it was last seen (each tick of a schedule). A missed fire whose time no
-- replica covered is recorded as missed during an outage.
CREATE TABLE scheduler_replicas (
    id         TEXT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    seen_at    TIMESTAMP NOT NULL
);
CREATE INDEX scheduler_replicas_seen ON scheduler_replicas (seen_at);

-- Why a fire made no plan, as a code (see sampling.FireReasons); the
-- message says it in words.
ALTER TABLE fires ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- A task whose plan closed without a result lapsed: it is no longer open,
-- and no longer overdue.
UPDATE tasks SET status = 'lapsed'
WHERE status IN ('assigned', 'sampled')
  AND plan_id IN (SELECT id FROM plans WHERE status = 'closed')
  AND NOT EXISTS (SELECT 1 FROM results r WHERE r.task_id = tasks.id);

-- Plan execution counts each plan's tasks by state at every snapshot
-- refresh: this index answers that without reading the tasks.
CREATE INDEX tasks_plan_status ON tasks (plan_id, status);

-- +goose Down
DROP INDEX tasks_plan_status;
UPDATE tasks SET status = 'assigned' WHERE status = 'lapsed' AND id NOT IN (SELECT task_id FROM task_samplings);
UPDATE tasks SET status = 'sampled' WHERE status = 'lapsed';
ALTER TABLE fires DROP COLUMN reason;
DROP TABLE scheduler_replicas;
