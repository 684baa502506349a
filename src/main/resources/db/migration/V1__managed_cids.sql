-- Durable desired state: one row per managed CID. uri is the normalised URI without credentials;
-- secret holds the full URI, AES-GCM encrypted, only when the URI carries credentials.
CREATE TABLE managed_cid (
    cid            VARCHAR(1024)  NOT NULL PRIMARY KEY,
    connection_key VARCHAR(8192)  NOT NULL,
    uri            VARCHAR(16384) NOT NULL,
    secret         VARBINARY(16384),
    managed_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX managed_cid_connection_key ON managed_cid (connection_key);

-- The host's status event counter. Never goes back, so seq is unique across restarts.
CREATE TABLE event_seq (
    id  INT    NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO event_seq (id, seq) VALUES (1, 0);

-- Events written in the same transaction as the change they report, removed once published:
-- a crash between commit and publish delays an event, never loses it.
CREATE TABLE event_outbox (
    seq  BIGINT NOT NULL PRIMARY KEY,
    body CLOB   NOT NULL
);

-- Replies of recently handled requests, keyed by AMQP message-id, written in the request's
-- transaction: a request redelivered after a crash gets its first reply again instead of running twice.
CREATE TABLE request_log (
    position   BIGINT        NOT NULL PRIMARY KEY,
    request_id VARCHAR(1024) NOT NULL,
    reply      CLOB
);
CREATE UNIQUE INDEX request_log_request_id ON request_log (request_id);
