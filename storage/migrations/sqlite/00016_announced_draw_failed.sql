-- +goose Up
-- A draw seeded by a public beacon can fail with its seed: inspector
-- assignment depends on which units are drawn (recusals, cross_county,
-- max_tasks_per_inspector), and the announcement fixed both the input and
-- the seed, so drawing again fails the same way. draw_error holds why; the
-- announcement then no longer awaits its beacon (beacon_value and drawn_at
-- are set, plan_id stays NULL) and its fire is recorded as failed.
ALTER TABLE announcements ADD COLUMN draw_error TEXT;
DROP INDEX announcements_awaiting;
CREATE INDEX announcements_awaiting ON announcements (due_at) WHERE plan_id IS NULL AND draw_error IS NULL;

-- +goose Down
DROP INDEX announcements_awaiting;
CREATE INDEX announcements_awaiting ON announcements (due_at) WHERE plan_id IS NULL;
ALTER TABLE announcements DROP COLUMN draw_error;
