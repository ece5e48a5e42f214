-- An instance whose write-through to Redis failed publishes since when Redis may lag
-- PostgreSQL, so that every instance counts it in the staleness of Redis reads, and
-- adopts it when that instance dies before it could resync.
ALTER TABLE heartbeat ADD COLUMN redis_gap_since bigint;
