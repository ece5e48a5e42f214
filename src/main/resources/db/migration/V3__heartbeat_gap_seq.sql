-- The projection gap is written by the heartbeat and, before a write is acknowledged, by
-- the write that opened it, concurrently. Each state carries a sequence number that only
-- grows (per instance, across restarts: it starts from the clock), and a row only ever
-- takes a newer state, whichever of the two commits first.
ALTER TABLE heartbeat ADD COLUMN gap_seq bigint NOT NULL DEFAULT 0;
