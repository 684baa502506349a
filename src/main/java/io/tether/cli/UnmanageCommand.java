package io.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.client.HostResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "unmanage", mixinStandardHelpOptions = true,
        description = "Stop managing a connection ID (or every ID with a prefix) on a host (or on several at once,"
                + " --host h1,h2); the last one disconnects.")
public final class UnmanageCommand extends OneRequestCommand {
    @ArgGroup(multiplicity = "1")
    Which which;

    static final class Which {
        @Parameters(index = "0", description = "Connection ID (CID).")
        String cid;

        @Option(names = "--prefix", description = "Unmanage every CID that starts with this prefix.")
        String prefix;
    }

    @Override
    public Integer call() {
        Map<String, String> params = which.cid != null
                ? Map.of("connectionId", which.cid) : Map.of("connectionIdPrefix", which.prefix);
        if (oneHost()) {
            JsonNode result = client.runChange(host(), (c, timeout) -> c.call(host(), "unmanageStorageServer", params, timeout));
            if (result == null) {
                return 1;
            }
            List<String> lines = lines(result);
            (lines.isEmpty() ? List.of(nothing()) : lines).forEach(OneLine::out);
            return 0;
        }
        Map<String, HostResult<JsonNode>> results = client.runOnHosts(hosts(), client.timeout,
                (c, hosts, timeout) -> c.call(hosts, "unmanageStorageServer", params, timeout));
        if (results == null) {
            return 1;
        }
        for (HostResult<JsonNode> r : results.values()) {
            if (!r.ok()) {
                OneLine.out(r.hostId() + ": " + client.describe(r.failure()));
                continue;
            }
            List<String> lines = lines(r.value());
            // Every host has its line, even one where nothing matched the prefix.
            (lines.isEmpty() ? List.of(nothing()) : lines).forEach(l -> OneLine.out(r.hostId() + ": " + l));
        }
        return ClientOptions.changeSummary("unmanage", results);
    }

    /**
     * The line for a prefix that matched no CID: said, not left silent, so that a mistyped prefix
     * shows. Still a success (exit 0), as unmanaging what is not managed is: afterwards, no CID
     * with the prefix is managed, which is what was asked.
     */
    private String nothing() {
        return which.prefix != null ? "nothing unmanaged: no CID starts with " + which.prefix : "nothing unmanaged";
    }

    private static List<String> lines(JsonNode result) {
        List<String> lines = new ArrayList<>();
        result.path("unmanaged").forEach(c -> lines.add("unmanaged: " + c.asText()));
        result.path("disconnecting").forEach(k -> lines.add("disconnecting: " + k.asText()));
        return lines;
    }
}
