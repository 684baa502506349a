package io.tether.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.Action;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.Outcome;
import io.tether.api.Reply;
import io.tether.api.Request;
import io.tether.api.Results;
import io.tether.api.RpcError;
import io.tether.api.Schemas;
import io.tether.connector.FileRoots;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import io.tether.uri.InvalidUriException;
import io.tether.uri.StorageUri;
import io.tether.uri.Text;
import io.tether.uri.UriParser;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wire contract's two ends of the request path. {@link #decode} turns a message body into a
 * {@link Request}: JSON-RPC framing ({@link JsonRpc}), each call checked against its schema
 * ({@link Schemas}) and turned into an {@link Action}, a sealed URI opened with the host's
 * {@link SealingKey} (nothing after this point knows it was sealed), and a mount this host's
 * {@link MountPolicy} does not allow, or a directory outside its {@link FileRoots}, refused before
 * anything is stored or run. {@link #encode}
 * turns the calls' {@link Outcome}s into the {@link Reply}. Transport-free and stateless.
 */
public final class RequestCodec {
    private static final Logger log = LoggerFactory.getLogger(RequestCodec.class);

    /** Every method of the wire contract, in the order an error lists them. */
    private final MountPolicy mountPolicy;
    private final FileRoots fileRoots;
    private final SealingKey sealingKey;

    /**
     * @param mountPolicy what a manage request may ask a mount for (the operator's configuration)
     * @param fileRoots   the directories a {@code file://} URI may name (the operator's configuration)
     * @param sealingKey  this host's key: opens {@code sealedUri}s and is what {@code getSealingKey} hands out
     */
    public RequestCodec(MountPolicy mountPolicy, FileRoots fileRoots, SealingKey sealingKey) {
        this.mountPolicy = mountPolicy;
        this.fileRoots = fileRoots;
        this.sealingKey = sealingKey;
    }

    /** Decodes and validates one message body. Never throws: what is wrong becomes an answered part. */
    public Request decode(String body) {
        JsonRpc.Message message = JsonRpc.decode(body);
        if (message.whole().isPresent()) {
            return new Request(false, List.of(
                    new Request.Part.Answered(NullNode.instance, false, "(invalid)", message.whole().get())));
        }
        List<Request.Part> parts = new ArrayList<>(message.entries().size());
        for (JsonRpc.Element entry : message.entries()) {
            parts.add(decode(entry));
        }
        return new Request(message.batch(), parts);
    }

    private Request.Part decode(JsonRpc.Element entry) {
        if (entry instanceof JsonRpc.Invalid invalid) {
            return new Request.Part.Answered(invalid.id(), false, "(invalid)", invalid.error());
        }
        JsonRpc.MethodCall call = (JsonRpc.MethodCall) entry;
        try {
            ObjectNode params = checkParams(call);
            return switch (call.method()) {
                case "manageStorageServer" -> toRun(call, manage(params));
                case "unmanageStorageServer" -> toRun(call,
                        new Action.Unmanage(text(params, "connectionId"), text(params, "connectionIdPrefix")));
                case "getStorageServerList" -> toRun(call, new Action.GetList(text(params, "connectionIdPrefix"),
                        text(params, "after"), params.path("limit").asInt(Action.GetList.MAX_LIMIT)));
                // The key is not state: answered here, without the worker's lock.
                case "getSealingKey" -> new Request.Part.Answered(call.id(), call.isNotification(), call.method(),
                        new Results.PublicSealingKey(sealingKey.publicJwk()));
                default -> throw new IllegalStateException("a method in Request.METHODS without a case: "
                        + call.method());
            };
        } catch (RpcError e) {
            // A method the host does not know is a caller's text: shortened before a log line shows it.
            return new Request.Part.Answered(call.id(), call.isNotification(), Text.shorten(call.method()), e);
        }
    }

    private static Request.Part toRun(JsonRpc.MethodCall call, Action action) {
        return new Request.Part.ToRun(call.id(), call.isNotification(), call.method(), action);
    }

    private Action.Manage manage(ObjectNode params) throws RpcError {
        String cid = params.get("connectionId").asText();
        boolean sealed = params.has("sealedUri");
        String text = sealed ? unseal(params.get("sealedUri").asText()) : params.get("uri").asText();
        StorageUri uri;
        try {
            uri = UriParser.parse(text);
        } catch (InvalidUriException e) {
            if (e.component() != null) {
                // A part a host program would get breaks its grammar: the request's to fix, as for the policy.
                RpcError invalid = RpcError.invalidParams(sealed ? "sealedUri" : "uri", e.getMessage());
                throw invalid.with("component", e.component());
            }
            throw new RpcError(ErrorCode.UNSUPPORTED_URI, "unsupported uri: " + e.getMessage());
        }
        try {
            mountPolicy.check(uri);
            fileRoots.check(uri);
        } catch (MountPolicy.NotAllowed | FileRoots.OutsideRoots e) {
            log.warn("cid={} key={} refused: {}", Text.shorten(cid), uri.key(), e.getMessage());
            throw RpcError.invalidParams(sealed ? "sealedUri" : "uri", e.getMessage());
        }
        return new Action.Manage(cid, uri);
    }

    /** The call's params, once the method is known and they match its request schema. */
    private static ObjectNode checkParams(JsonRpc.MethodCall call) throws RpcError {
        if (!Request.METHODS.contains(call.method())) {
            throw new RpcError(ErrorCode.METHOD_NOT_FOUND, "method not found: \""
                    + Text.shorten(call.method()) + "\"; methods are " + String.join(", ", Request.METHODS));
        }
        if (!call.params().isObject()) {
            // JSON-RPC allows positional params; every method here takes named ones.
            throw RpcError.invalidParams("params", "params must be an object of named parameters");
        }
        ObjectNode params = (ObjectNode) call.params();
        Schemas.checkParams(call.method(), params);
        return params;
    }

    /**
     * The URI text inside a {@code sealedUri}, held to the same length limits as a clear {@code uri}.
     * Errors name {@code sealedUri} and carry the host's key id; none quotes the plaintext.
     */
    private String unseal(String sealed) throws RpcError {
        String uri;
        try {
            uri = sealingKey.unseal(sealed);
        } catch (SealingKey.UnsealException e) {
            throw RpcError.invalidParams("sealedUri", e.getMessage()).with("keyId", sealingKey.keyId());
        }
        int length = uri.codePointCount(0, uri.length());
        if (length < 1 || length > UriParser.MAX_URI) {
            throw RpcError.invalidParams("sealedUri", "the sealed URI has " + length + " characters; a URI has 1-"
                    + UriParser.MAX_URI).with("keyId", sealingKey.keyId());
        }
        return uri;
    }

    private static String text(ObjectNode params, String field) {
        JsonNode value = params.get(field);
        return value == null ? null : value.asText();
    }

    /**
     * The reply to {@code request}, given one outcome per action of {@link Request#actions()}, in
     * order. Notifications get no response; a message of notifications only gets {@link Reply#NONE}.
     */
    public Reply encode(Request request, List<Outcome> actionOutcomes) {
        Iterator<Outcome> ran = actionOutcomes.iterator();
        List<ObjectNode> responses = new ArrayList<>();
        for (Request.Part part : request.parts()) {
            Outcome outcome = part instanceof Request.Part.Answered answered ? answered.outcome() : ran.next();
            if (part.notification()) {
                if (outcome instanceof RpcError e) {
                    log.info("notification {} failed: {}", part.method(), e.getMessage());
                }
                continue;
            }
            responses.add(outcome instanceof RpcError e
                    ? JsonRpc.error(part.id(), e)
                    : JsonRpc.result(part.id(), outcome));
        }
        if (ran.hasNext()) {
            throw new IllegalArgumentException("more outcomes than the request has actions");
        }
        if (responses.isEmpty()) {
            return Reply.NONE;
        }
        return new Reply.Send(JsonRpc.write(request.batch() ? JsonRpc.array(responses) : responses.get(0)));
    }
}
