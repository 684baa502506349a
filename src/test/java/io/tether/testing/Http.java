package io.tether.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * A plain blocking HTTP client for the worker's endpoint (the JDK's {@link HttpURLConnection}: the
 * calling thread does all the work, so a timing taken around a call has no other thread's wake-up in
 * it), and reading the Prometheus text format it serves.
 */
public final class Http {
    private Http() {
    }

    /** A response: status, headers (names in lower case) and body. */
    public record Response(int statusCode, Map<String, List<String>> headerMap, String body) {
        public Optional<String> header(String name) {
            List<String> values = headerMap.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }
    }

    /** {@code method} on {@code url}, with optional request headers as name, value pairs. */
    public static Response send(String method, String url, String... headers) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        connection.setConnectTimeout(5000);
        connection.setReadTimeout(10_000);
        connection.setRequestMethod(method);
        for (int i = 0; i < headers.length; i += 2) {
            connection.setRequestProperty(headers[i], headers[i + 1]);
        }
        int status = connection.getResponseCode();
        InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String body = "";
        if (stream != null) {
            try (InputStream in = stream) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        Map<String, List<String>> headerMap = new TreeMap<>();
        connection.getHeaderFields().forEach((name, values) -> {
            if (name != null) {
                headerMap.put(name.toLowerCase(Locale.ROOT), values);
            }
        });
        return new Response(status, headerMap, body);
    }

    public static Response get(String url, String... headers) throws IOException {
        return send("GET", url, headers);
    }

    /**
     * The value of the one sample of {@code name} whose labels include every {@code key="value"} of
     * {@code labels} (given as key, value pairs), in a Prometheus text exposition; empty if none.
     */
    public static OptionalDouble sample(String exposition, String name, String... labels) {
        List<Double> found = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int end = line.lastIndexOf(' ');
            String series = line.substring(0, end);
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= series.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                found.add(Double.parseDouble(line.substring(end + 1)));
            }
        }
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " samples of " + name + " " + List.of(labels) + " in\n" + exposition);
        }
        return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0));
    }

    /** Like {@link #sample}, for a sample that must be there. */
    public static double value(String exposition, String name, String... labels) {
        return sample(exposition, name, labels).orElseThrow(
                () -> new AssertionError("no sample " + name + " " + List.of(labels) + " in\n" + exposition));
    }
}
