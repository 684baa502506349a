package io.tether.cli;

import io.tether.api.Results;
import io.tether.client.HostResult;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Register a connection ID for a storage URI on a host (or on several at once, --host h1,h2);"
                + " the host connects and keeps it up.")
public final class ManageCommand extends HostCommand {
    @Parameters(index = "0", description = "Connection ID (CID).")
    String cid;

    @Parameters(index = "1", description = "Storage URI, e.g. file:///srv/data or nfs://server/export;"
            + " one with credentials is sent sealed for the host.")
    String uri;

    @Override
    public Integer call() {
        if (oneHost()) {
            String host = host();
            // Through the client library: a URI with credentials goes out sealed for the host.
            Results.Managed result = client.run(host, (c, timeout) -> c.manage(host, cid, uri, timeout));
            if (result == null) {
                return 1;
            }
            OneLine.out(line(result));
            return 0;
        }
        Map<String, HostResult<Results.Managed>> results = client.runOnHosts(hosts(), client.timeout,
                (c, hosts, timeout) -> c.manage(hosts, cid, uri, timeout));
        if (results == null) {
            return 1;
        }
        results.values().forEach(r -> OneLine.out(r.hostId() + ": " + (r.ok() ? line(r.value()) : client.describe(r.failure()))));
        return ClientOptions.summary("manage", results);
    }

    private String line(Results.Managed result) {
        return (result.alreadyManaged() ? "already managed: " : "managed: ") + cid + " -> " + result.connectionKey();
    }
}
