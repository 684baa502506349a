-- The state each connection was last seen in and since when, written in the transaction of the event
-- that reports the change: a connection a restarted worker finds in the same state keeps its
-- since, so "down since" and "up since" survive restarts. Removed with the connection's disconnect.
CREATE TABLE connection_state (
    connection_key VARCHAR(8192)            NOT NULL PRIMARY KEY,
    state          VARCHAR(16)              NOT NULL,
    since          TIMESTAMP WITH TIME ZONE NOT NULL
);
