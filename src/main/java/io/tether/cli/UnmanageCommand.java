package io.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "unmanage", mixinStandardHelpOptions = true,
        description = "Stop managing a connection ID (or every ID with a prefix); the last one disconnects.")
public final class UnmanageCommand extends HostCommand {
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
        JsonNode result = client.call(host, "unmanageStorageServer", params);
        if (result == null) {
            return 1;
        }
        result.path("unmanaged").forEach(c -> OneLine.out("unmanaged: " + c.asText()));
        result.path("disconnecting").forEach(k -> OneLine.out("disconnecting: " + k.asText()));
        return 0;
    }
}
