package io.tether.cli;

import io.tether.api.Results;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Register a connection ID for a storage URI on a host; the host connects and keeps it up.")
public final class ManageCommand extends HostCommand {
    @Parameters(index = "0", description = "Connection ID (CID).")
    String cid;

    @Parameters(index = "1", description = "Storage URI, e.g. file:///srv/data or nfs://server/export;"
            + " one with credentials is sent sealed for the host.")
    String uri;

    @Override
    public Integer call() {
        // Through the client library: a URI with credentials goes out sealed for the host.
        Results.Managed result = client.run(host, (c, timeout) -> c.manage(host, cid, uri, timeout));
        if (result == null) {
            return 1;
        }
        OneLine.out((result.alreadyManaged() ? "already managed: " : "managed: ")
                + cid + " -> " + result.connectionKey());
        return 0;
    }
}
