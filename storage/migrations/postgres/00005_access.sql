-- +goose Up
-- Bearer tokens: only the SHA-256 of the secret part is stored. A feed
-- token is read-only and serves only the owner's calendar feed.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'viewer')),
    inspector_id TEXT REFERENCES inspectors (id),
    feed         BOOLEAN NOT NULL DEFAULT FALSE,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    CHECK ((role = 'inspector') = (inspector_id IS NOT NULL)),
    CHECK (NOT feed OR role = 'inspector')
);

-- Sessions of the inspectors' web page, made by signing in with a token.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    token_id   TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_id);

-- What an inspector recorded on taking a batch; seals are separated by
-- newlines.
CREATE TABLE task_samplings (
    task_id     BIGINT PRIMARY KEY REFERENCES tasks (id),
    sampled_on  TEXT NOT NULL,
    batch_no    TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    seals       TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE task_refusals (
    task_id     BIGINT PRIMARY KEY REFERENCES tasks (id),
    reason      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

-- Every change of a task's status: who and when.
CREATE TABLE task_events (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks (id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX task_events_task ON task_events (task_id);

CREATE TABLE plan_closures (
    plan_id   BIGINT PRIMARY KEY REFERENCES plans (id),
    closed_at TIMESTAMPTZ NOT NULL,
    reason    TEXT NOT NULL
);

-- The inputs of each plan's draw, for its public record. Frames and
-- inspector lists repeat from plan to plan, so they are stored once by the
-- SHA-256 of their gzipped JSON.
CREATE TABLE draw_blobs (
    digest TEXT PRIMARY KEY,
    data   BYTEA NOT NULL
);
CREATE TABLE plan_draws (
    plan_id    BIGINT PRIMARY KEY REFERENCES plans (id),
    spec       TEXT NOT NULL,
    frame      TEXT NOT NULL REFERENCES draw_blobs (digest),
    inspectors TEXT NOT NULL REFERENCES draw_blobs (digest)
);

-- The Ed25519 key that signs public records.
CREATE TABLE signing_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE plan_draws;
DROP TABLE draw_blobs;
DROP TABLE plan_closures;
DROP TABLE task_events;
DROP TABLE task_refusals;
DROP TABLE task_samplings;
DROP TABLE sessions;
DROP TABLE tokens;
