-- +goose Up
-- The outbox: one row per message to one inspector, written in the
-- transaction that stores the plan, and sent by the delivery worker of any
-- replica. message_id is stable, so that a receiver can drop a message it
-- got twice (delivery is at least once). A row is sent when next_at has come:
-- a worker that takes it moves next_at to the end of its lease, so that no
-- other worker takes it meanwhile; attempts counts the takes.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    plan_id         BIGINT NOT NULL REFERENCES plans (id),
    task_id         BIGINT REFERENCES tasks (id),
    inspector_id    TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('plan', 'reminder', 'overdue')),
    -- a reminder's lead time before the due date, such as 3d
    label           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    due_at          TIMESTAMPTZ NOT NULL,
    next_at         TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    parts_sent      INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    last_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_next ON outbox (status, next_at);
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_plan ON outbox (plan_id);

-- +goose Down
DROP TABLE outbox;
