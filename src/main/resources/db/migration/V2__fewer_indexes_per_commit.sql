-- Every commit rewrites the changed page path of each B-tree it touched, so each index a request
-- updates costs it CPU. managed_cid_connection_key served no query (the registry in memory
-- answers per-connection questions). event_seq is now advanced when published events are trimmed
-- from the outbox, not per event: until then the highest seq is the outbox's own highest.
DROP INDEX managed_cid_connection_key;

-- The store keeps the request log's ids in memory (at most about 11,000) and reads a recorded
-- reply by position, so the log needs no index on request_id.
DROP INDEX request_log_request_id;
