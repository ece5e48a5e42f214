-- A retry answered from the idempotency record says which instance issued the version
-- (the last-writer-wins tie-break), also when another instance answers it. Rows from
-- before this column have none; their replays name no origin.
ALTER TABLE idempotency ADD COLUMN origin text COLLATE "C";
