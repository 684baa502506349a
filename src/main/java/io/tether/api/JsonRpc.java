package io.tether.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.tether.uri.Text;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * JSON-RPC 2.0 framing: turns a message body into calls, and results or errors into responses.
 * Knows nothing of the methods themselves.
 */
public final class JsonRpc {
    /** Largest body the worker reads, in UTF-8 bytes; bigger ones are refused before parsing. */
    public static final int MAX_BODY_BYTES = 1 << 20;
    /** Largest batch; a bigger one is an Invalid Request. */
    public static final int MAX_BATCH = 1000;

    /** The project's one JSON mapper: strict on input, ISO-8601 times on output. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(64)
                            .maxStringLength(MAX_BODY_BYTES)
                            .maxNumberLength(100)
                            .build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private JsonRpc() {
    }

    /** One element of a message: a well-formed call, or an error to answer with. */
    public sealed interface Element {
        /** The request id, or null; {@link #isNotification()} tells "no id" from "id: null". */
        JsonNode id();

        boolean isNotification();
    }

    /** A structurally valid request. {@code params} is an object or array (an empty object if absent). */
    public record MethodCall(JsonNode id, boolean isNotification, String method, JsonNode params) implements Element {
    }

    /**
     * An element that is not a valid Request object. It is always answered (JSON-RPC 2.0 section
     * 5): with its id if one could be read, else null; without a valid envelope it cannot count as
     * a notification.
     */
    public record Invalid(JsonNode id, RpcError error) implements Element {
        @Override
        public boolean isNotification() {
            return false;
        }
    }

    /**
     * The decoded message: its entries, whether it was a batch, or an error for the whole body
     * (parse error, empty batch) that is answered with id null.
     */
    public record Message(List<Element> entries, boolean batch, Optional<RpcError> whole) {
    }

    public static Message decode(String body) {
        if (body.length() > MAX_BODY_BYTES || utf8Length(body) > MAX_BODY_BYTES) {
            return whole(new RpcError(ErrorCode.INVALID_REQUEST,
                    "message body is larger than " + MAX_BODY_BYTES + " bytes of UTF-8"));
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            // The parser's own message can quote the offending text, which may hold a secret: say where only.
            var at = e.getLocation();
            return whole(new RpcError(ErrorCode.PARSE_ERROR, "parse error: body is not valid JSON"
                    + (at == null ? "" : " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")));
        }
        if (root == null || root.isMissingNode()) {
            return whole(new RpcError(ErrorCode.PARSE_ERROR, "parse error: body is empty"));
        }
        if (!validUnicode(root)) {
            // JSON lets "\ud800" through, but such a string cannot be encoded as AMQP's UTF-8: kept
            // as a CID it would break every list reply, so it is refused at the door.
            return whole(new RpcError(ErrorCode.PARSE_ERROR,
                    "parse error: body holds a string that is not valid Unicode (an unpaired surrogate)"));
        }
        if (root.isArray()) {
            if (root.isEmpty()) {
                return whole(new RpcError(ErrorCode.INVALID_REQUEST, "invalid request: batch is empty"));
            }
            if (root.size() > MAX_BATCH) {
                return whole(new RpcError(ErrorCode.INVALID_REQUEST,
                        "invalid request: batch has more than " + MAX_BATCH + " requests"));
            }
            List<Element> entries = new ArrayList<>(root.size());
            root.forEach(element -> entries.add(entry(element)));
            return new Message(entries, true, Optional.empty());
        }
        return new Message(List.of(entry(root)), false, Optional.empty());
    }

    /** The length of {@code s} in UTF-8 (an unpaired surrogate counted as the 3 bytes of U+FFFD). */
    public static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Whether every string and member name in {@code node} is well-formed UTF-16. */
    private static boolean validUnicode(JsonNode node) {
        if (node.isTextual()) {
            return validUnicode(node.textValue());
        }
        if (node.isObject()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var field = it.next();
                if (!validUnicode(field.getKey()) || !validUnicode(field.getValue())) {
                    return false;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (!validUnicode(element)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean validUnicode(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static Message whole(RpcError error) {
        return new Message(List.of(), false, Optional.of(error));
    }

    private static Element entry(JsonNode node) {
        if (!node.isObject()) {
            return new Invalid(NullNode.instance,
                    new RpcError(ErrorCode.INVALID_REQUEST, "invalid request: a request must be a JSON object"));
        }
        boolean notification = !node.has("id");
        JsonNode id = node.get("id");
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return new Invalid(NullNode.instance,
                    new RpcError(ErrorCode.INVALID_REQUEST, "invalid request: id must be a string, number or null"));
        }
        JsonNode replyId = id == null ? NullNode.instance : id;
        JsonNode version = node.get("jsonrpc");
        if (version == null || !version.isTextual() || !version.asText().equals("2.0")) {
            return new Invalid(replyId,
                    new RpcError(ErrorCode.INVALID_REQUEST, "invalid request: \"jsonrpc\" must be \"2.0\""));
        }
        JsonNode method = node.get("method");
        if (method == null || !method.isTextual()) {
            return new Invalid(replyId,
                    new RpcError(ErrorCode.INVALID_REQUEST, "invalid request: \"method\" must be a string"));
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!List.of("jsonrpc", "id", "method", "params").contains(field)) {
                return new Invalid(replyId, new RpcError(ErrorCode.INVALID_REQUEST,
                        "invalid request: unknown member \"" + Text.shorten(field) + "\""));
            }
        }
        JsonNode params = node.get("params");
        if (params == null) {
            params = MAPPER.createObjectNode();
        } else if (!params.isObject() && !params.isArray()) {
            return new Invalid(replyId, new RpcError(ErrorCode.INVALID_REQUEST,
                    "invalid request: \"params\" must be an object or an array"));
        }
        return new MethodCall(replyId, notification, method.asText(), params);
    }

    public static ObjectNode result(JsonNode id, Object result) {
        ObjectNode response = MAPPER.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        // Written straight from the result object when the response is: a big list would
        // otherwise be built as a tree of nodes first, only to be written and dropped.
        response.putPOJO("result", result);
        return response;
    }

    public static ObjectNode error(JsonNode id, RpcError error) {
        ObjectNode response = MAPPER.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        ObjectNode body = response.putObject("error");
        body.put("code", error.code().code());
        body.put("message", error.getMessage());
        body.set("data", error.data());
        return response;
    }

    public static ArrayNode array(List<ObjectNode> responses) {
        ArrayNode array = MAPPER.createArrayNode();
        array.addAll(responses);
        return array;
    }

    public static String write(JsonNode node) {
        try {
            // Through UTF-8 bytes rather than Jackson's string writer, which gathers a big reply as
            // chars and copies it twice more; the bytes are nearly all ASCII, which the JDK copies
            // straight into a compact string.
            return new String(MAPPER.writeValueAsBytes(node), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException("serialising a JSON tree cannot fail", e);
        }
    }
}
