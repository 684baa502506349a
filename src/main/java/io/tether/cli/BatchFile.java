package io.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import io.tether.client.ManageBatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIDs of {@code manage -f FILE}: one a line, either {@code CID URI} (split at the first run
 * of blanks) or a JSON object {@code {"cid": "...", "uri": "..."}}, for a CID with blanks in it.
 * Blank lines and lines starting with {@code #} are skipped. A line that is neither is the user's
 * to fix: an IllegalArgumentException naming the line, before anything is sent.
 */
final class BatchFile {
    private BatchFile() {
    }

    /** The entries of {@code text}, read from {@code name} (for the messages). */
    static List<ManageBatch.Entry> parse(String name, String text) {
        List<ManageBatch.Entry> entries = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            entries.add(line.startsWith("{") ? json(name, i + 1, line) : words(name, i + 1, line));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(name + " holds no CID (one 'CID URI' a line)");
        }
        if (entries.size() > JsonRpc.MAX_BATCH) {
            throw new IllegalArgumentException(name + " holds " + entries.size() + " CIDs; a batch takes at most "
                    + JsonRpc.MAX_BATCH + ": split it");
        }
        return entries;
    }

    private static ManageBatch.Entry words(String name, int number, String line) {
        String[] parts = line.split("\\s+", 2);
        if (parts.length < 2) {
            throw new IllegalArgumentException(name + " line " + number + ": give 'CID URI', or a JSON object {\"cid\":..., \"uri\":...}");
        }
        return new ManageBatch.Entry(parts[0], parts[1]);
    }

    private static ManageBatch.Entry json(String name, int number, String line) {
        try {
            JsonNode entry = JsonRpc.MAPPER.readTree(line);
            if (entry.path("cid").isTextual() && entry.path("uri").isTextual()) {
                return new ManageBatch.Entry(entry.get("cid").asText(), entry.get("uri").asText());
            }
        } catch (IOException e) {
            // Said below, as for an object without its fields.
        }
        throw new IllegalArgumentException(name + " line " + number + ": not a JSON object {\"cid\": \"...\", \"uri\": \"...\"}");
    }
}
