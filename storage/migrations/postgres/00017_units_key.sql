-- +goose Up
-- A unit is known by its enterprise and category; nothing refers to the
-- serial id, which cost a sequence step per imported unit and an index of
-- its own. The (credit_code, category) key, unique before, becomes the
-- primary key. (SQLite keeps its id: there it is the row's own rowid and
-- costs nothing.)
ALTER TABLE units DROP CONSTRAINT units_pkey;
ALTER TABLE units DROP COLUMN id;
ALTER TABLE units DROP CONSTRAINT units_credit_code_category_key;
ALTER TABLE units ADD CONSTRAINT units_pkey PRIMARY KEY (credit_code, category);

-- +goose Down
ALTER TABLE units DROP CONSTRAINT units_pkey;
ALTER TABLE units ADD CONSTRAINT units_credit_code_category_key UNIQUE (credit_code, category);
ALTER TABLE units ADD COLUMN id BIGSERIAL PRIMARY KEY;
