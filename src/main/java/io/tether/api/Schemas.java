package io.tether.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schemas of {@code schemas/} (shipped in the jar under {@code schemas/}): one per request,
 * response and event type. The worker validates params with them; tests validate what the worker
 * sends with them, so the files cannot drift from the code.
 */
public final class Schemas {
    private static final String BASE = "https://tether.io/schemas/";
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaIdResolvers(ids -> ids.mapPrefix(BASE, "classpath:schemas/")));
    private static final Map<String, Schema> CACHE = new ConcurrentHashMap<>();

    private Schemas() {
    }

    /** The schema {@code schemas/<name>.json}, e.g. {@code manageStorageServer.request}. */
    public static Schema get(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            Schema schema = REGISTRY.getSchema(SchemaLocation.of(BASE + n + ".json"));
            schema.initializeValidators();
            return schema;
        });
    }

    /** Problems with {@code instance} against {@code schemas/<name>.json}; empty when valid. */
    public static List<Error> problems(String name, JsonNode instance) {
        return get(name).validate(instance);
    }

    /** Validates a method's params, turning the first problem into an Invalid Params error. */
    public static void checkParams(String method, JsonNode params) throws RpcError {
        List<Error> errors = problems(method + ".request", params);
        if (errors.isEmpty()) {
            return;
        }
        Error first = errors.get(0);
        if ("oneOf".equals(first.getKeyword()) && first.getSchemaNode().isArray()) {
            throw oneOf(first.getSchemaNode(), params);
        }
        String field = first.getInstanceLocation().getNameCount() > 0
                ? String.valueOf(first.getInstanceLocation().getElement(0))
                : first.getProperty() != null ? first.getProperty() : "";
        throw RpcError.invalidParams(field, reason(first));
    }

    /**
     * A {@code oneOf} of alternative params ({@code [{"required":["a"]},{"required":["b"]}]}) that the
     * params break: the field is the one to add when none is given, else the one too many.
     */
    private static RpcError oneOf(JsonNode alternatives, JsonNode params) {
        List<String> names = new java.util.ArrayList<>();
        alternatives.forEach(branch -> branch.path("required").forEach(name -> names.add(name.asText())));
        List<String> given = names.stream().filter(params::has).toList();
        String field = given.isEmpty() ? names.get(0) : given.get(given.size() - 1);
        return RpcError.invalidParams(field, "give exactly one of " + String.join(" or ", names));
    }

    /** The validator's message without the JSON pointer prefix, which {@code field} already gives. */
    private static String reason(Error error) {
        String message = error.getMessage();
        if ("pattern".equals(error.getKeyword())) {
            return "must be 1-255 characters, none of them '/' or a control character";
        }
        if ("additionalProperties".equals(error.getKeyword())) {
            return "is not a parameter of this method";
        }
        int colon = message.indexOf(": ");
        return colon >= 0 && message.startsWith("/") ? message.substring(colon + 2) : message;
    }
}
