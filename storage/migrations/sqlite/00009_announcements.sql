-- +goose Up
-- Announcements of draws seeded by a public beacon (docs/sampling.md): made
-- when such a schedule fires, before the beacon value exists, and chained by
-- hash in sequence order. frozen is the draw_blobs digest of the draw input
-- the announcement fixed; the plan is drawn from it once the beacon value is
-- known, at most once (plan_id is unique).
CREATE TABLE announcements (
    sequence     INTEGER PRIMARY KEY,
    fire_id      INTEGER NOT NULL UNIQUE REFERENCES fires (id),
    schedule     TEXT NOT NULL,
    nominal_time TIMESTAMP NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    frozen       TEXT NOT NULL,
    beacon_kind  TEXT NOT NULL CHECK (beacon_kind IN ('drand', 'text')),
    due_at       TIMESTAMP NOT NULL,
    beacon_value TEXT,
    plan_id      INTEGER UNIQUE REFERENCES plans (id),
    drawn_at     TIMESTAMP
);
CREATE INDEX announcements_awaiting ON announcements (due_at) WHERE plan_id IS NULL;

-- +goose Down
DROP TABLE announcements;
