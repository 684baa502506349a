package io.tether.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import io.tether.api.Results;
import io.tether.client.HostResult;
import io.tether.client.RpcException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Show every CID of a host (or of several at once, --host h1,h2: a section each) with its state"
                + " and last error (RETRY: the attempts that failed in a row and the next one, while the worker retries),"
                + " plus unmanaged connections. A stored CID this version cannot serve shows MANAGED"
                + " stranded; its last error says why.")
public final class ListCommand extends OneRequestCommand {
    @Option(names = "--prefix", description = "Only CIDs starting with this prefix.")
    String prefix;

    @Option(names = "--json", description = "Print the raw result as JSON, for scripts (several hosts: an object by"
            + " host id, holding each host's result, or {\"error\": ...} for a host that failed).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (oneHost()) {
            Results.StorageServerList list = client.run(host(), (c, timeout) -> c.list(host(), prefix, timeout));
            if (list == null) {
                return 1;
            }
            JsonNode result = tree(list);
            if (json) {
                System.out.println(JsonRpc.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            } else {
                table(result);
            }
            return 0;
        }
        Map<String, HostResult<Results.StorageServerList>> results = client.runOnHosts(hosts(), client.timeout,
                (c, hosts, timeout) -> c.list(hosts, prefix, timeout));
        if (results == null) {
            return 1;
        }
        if (json) {
            ObjectNode all = JsonRpc.MAPPER.createObjectNode();
            for (HostResult<Results.StorageServerList> r : results.values()) {
                all.set(r.hostId(), r.ok() ? tree(r.value()) : JsonRpc.MAPPER.createObjectNode().set("error",
                        r.failure() instanceof RpcException e ? e.error()
                                : JsonRpc.MAPPER.createObjectNode().put("message", client.describe(r.failure()))));
            }
            System.out.println(JsonRpc.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(all));
        } else {
            for (HostResult<Results.StorageServerList> r : results.values()) {
                OneLine.out("== host " + r.hostId() + (r.ok() ? "" : ": " + client.describe(r.failure())));
                if (r.ok()) {
                    table(tree(r.value()));
                }
            }
        }
        return ClientOptions.summary("list", results);
    }

    /**
     * The list as the worker writes it. Through text: the list's serializer writes each entry as
     * raw JSON, which a tree made from the object directly would hold as an opaque value.
     */
    private static JsonNode tree(Results.StorageServerList list) throws JsonProcessingException {
        return JsonRpc.MAPPER.readTree(JsonRpc.MAPPER.writeValueAsString(list));
    }

    /**
     * The connections as a table, each column as wide as its widest cell: a CID of any length
     * keeps the columns after it in line. The last column, the error, is not padded.
     */
    private static void table(JsonNode result) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("CID", "MANAGED", "STATE", "HEALTH", "CONNECTION", "SINCE", "RETRY", "LAST ERROR"));
        Instant now = Instant.now();
        result.path("connections").fields().forEachRemaining(e -> {
            JsonNode c = e.getValue();
            JsonNode error = c.path("lastError");
            String managed = c.path("stranded").asBoolean() ? "stranded" : c.path("managed").asBoolean() ? "yes" : "no";
            // Each cell escaped before it is measured, so the columns line up after the escapes.
            rows.add(Stream.of(e.getKey(), managed, c.path("state").asText(), health(c.path("health")),
                    c.path("connectionKey").asText(), text(c.path("since")), retry(c.path("retry"), now),
                    error.isObject() ? AwaitCommand.error(error) : "-").map(OneLine::of).toList());
        });
        int[] widths = new int[rows.get(0).size() - 1];
        for (List<String> row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row.get(i).codePointCount(0, row.get(i).length()));
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(row.get(i)).append(" ".repeat(widths[i] - row.get(i).codePointCount(0, row.get(i).length()) + 1));
            }
            System.out.println(line.append(row.get(widths.length)));
        }
        OneLine.out("(seq " + result.path("seq").asLong() + ")");
    }

    /** A cell's text; {@code -} where the worker gives none (an unmanaged connection has no since). */
    private static String text(JsonNode value) {
        return value.isMissingNode() || value.isNull() || value.asText().isEmpty() ? "-" : value.asText();
    }

    /**
     * {@code 3, next 09:12:40Z}: the attempts that failed in a row and when the worker tries again,
     * as a time of day when that is today (UTC, as {@code SINCE}) and in full otherwise; {@code -}
     * for a connection the worker is not retrying.
     */
    static String retry(JsonNode retry, Instant now) {
        if (!retry.isObject()) {
            return "-";
        }
        String failures = retry.path("failures").asText();
        Instant next;
        try {
            next = Instant.parse(retry.path("nextAttemptAt").asText()).truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            return failures;
        }
        boolean today = next.atOffset(ZoneOffset.UTC).toLocalDate().equals(now.atOffset(ZoneOffset.UTC).toLocalDate());
        return failures + ", next " + (today ? DateTimeFormatter.ISO_LOCAL_TIME.format(next.atOffset(ZoneOffset.UTC)) + "Z" : next);
    }

    /** {@code OK}, or {@code DEGRADED:REASON,...}; {@code -} where none is known (a connection Tether did not make). */
    static String health(JsonNode health) {
        if (!health.isObject()) {
            return "-";
        }
        List<String> reasons = new ArrayList<>();
        health.path("reasons").forEach(r -> reasons.add(r.asText()));
        return health.path("status").asText() + (reasons.isEmpty() ? "" : ":" + String.join(",", reasons));
    }
}
