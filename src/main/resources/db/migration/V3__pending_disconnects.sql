-- Connections whose last CID was unmanaged and which are not disconnected yet: written in the
-- transaction of that unmanage (whose reply says "disconnecting"), removed in the transaction of
-- the disconnect's event. A worker killed in between disconnects them after its restart, as it
-- told the engine it would. uri is the normalised URI without credentials; secret holds the full
-- URI, encrypted as in managed_cid, when it has them: a manage of the same URI before the
-- disconnect must find the same settings.
CREATE TABLE pending_disconnect (
    connection_key VARCHAR(8192)  NOT NULL PRIMARY KEY,
    uri            VARCHAR(16384) NOT NULL,
    secret         VARBINARY(16384)
);
