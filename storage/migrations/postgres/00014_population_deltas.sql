-- +goose Up
-- A population is stored as what changed since the one stored before it
-- (see storage/population.go): its units are cut into buckets by a hash of
-- their key, and a population stores the units of the buckets that differ
-- from its base's, each bucket whole. base_id is NULL for a population
-- stored in full; buckets holds a 64-bit digest per bucket (2^bucket_bits
-- of them), NULL for populations stored before this migration, which are
-- then no one's base; chain_rows counts the rows of population_units that
-- reading the population takes, its own and its bases'.
ALTER TABLE populations ADD COLUMN base_id BIGINT REFERENCES populations (id);
ALTER TABLE populations ADD COLUMN bucket_bits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE populations ADD COLUMN buckets BYTEA;
ALTER TABLE populations ADD COLUMN chain_rows BIGINT NOT NULL DEFAULT 0;
CREATE INDEX populations_industry ON populations (industry, id);

-- +goose Down
DROP INDEX populations_industry;
ALTER TABLE populations DROP COLUMN chain_rows;
ALTER TABLE populations DROP COLUMN buckets;
ALTER TABLE populations DROP COLUMN bucket_bits;
ALTER TABLE populations DROP COLUMN base_id;
