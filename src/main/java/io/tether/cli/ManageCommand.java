package io.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "manage", mixinStandardHelpOptions = true,
        description = "Register a connection ID for a storage URI on a host; the host connects and keeps it up.")
public final class ManageCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--host", required = true, description = "Host id of the worker.")
    String host;

    @Parameters(index = "0", description = "Connection ID (CID).")
    String cid;

    @Parameters(index = "1", description = "Storage URI, e.g. file:///srv/data or nfs://server/export.")
    String uri;

    @Override
    public Integer call() {
        JsonNode result = client.call(host, "manageStorageServer", Map.of("connectionId", cid, "uri", uri));
        if (result == null) {
            return 1;
        }
        System.out.println((result.path("alreadyManaged").asBoolean() ? "already managed: " : "managed: ")
                + cid + " -> " + result.path("connectionKey").asText());
        return 0;
    }
}
