package io.tether.worker;

import io.tether.api.ErrorCode;
import io.tether.api.Incoming;
import io.tether.api.Outcome;
import io.tether.api.Reply;
import io.tether.api.Request;
import io.tether.api.RpcError;
import io.tether.messaging.RequestConsumer;
import io.tether.metrics.Meters;
import io.tether.store.Store;
import io.tether.store.StoreException;
import io.tether.uri.ConnectionKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path for the messages that arrived together, top to bottom:
 * <ol>
 *   <li>recognise a request handled before and answer it from the request log;</li>
 *   <li>decode the others ({@link RequestCodec#decode});</li>
 *   <li>run their actions in one {@link Batch} ({@link StorageService#begin});</li>
 *   <li>encode each reply ({@link RequestCodec#encode}) and hand it to the batch ({@link Batch#recordReply});</li>
 *   <li>commit the batch, its changes, their events and the replies together; then hand the
 *       connections whose desired state changed ({@link Batch#changed}) to the reconciler.</li>
 * </ol>
 *
 * <p>The request log is what makes redelivery safe, and this class alone uses it. The broker hands
 * a request out again when the worker crashed before acknowledging it, and a client resends one
 * after a broker failover; either way it carries the same identity (message-id or correlation-id)
 * and body, which {@link #requestId} turns into the log's key. Its reply, or {@link Reply#NONE} for
 * a notification, is committed with its change, so a request whose change is durable is never
 * run twice, and one whose change was lost runs again.
 */
public final class RequestPath implements RequestConsumer.Handler {
    private static final Logger log = LoggerFactory.getLogger(RequestPath.class);

    private final RequestCodec codec;
    private final StorageService service;
    private final Store store;
    private final Consumer<ConnectionKey> reconcile;
    private final Meters.Requests meters;
    /**
     * The methods of the calls in the batch being handled, one per call, for timing them once their
     * replies are sent: only the consumer's thread touches it, and it is reused batch after batch.
     */
    private final List<String> methodsInBatch = new ArrayList<>();

    /**
     * @param store     holds the request log (the same store the service writes)
     * @param reconcile where connections whose desired state changed go after the commit
     */
    public RequestPath(RequestCodec codec, StorageService service, Store store, Consumer<ConnectionKey> reconcile) {
        this(codec, service, store, reconcile, Meters.Requests.NONE);
    }

    /** @param meters counts each call by method and outcome, and times it */
    public RequestPath(RequestCodec codec, StorageService service, Store store, Consumer<ConnectionKey> reconcile,
            Meters.Requests meters) {
        this.codec = codec;
        this.service = service;
        this.store = store;
        this.reconcile = reconcile;
        this.meters = meters;
    }

    /** One message's reply, known at once or once its request has run. */
    private interface Answer {
        Reply reply();
    }

    private record Known(Reply reply) implements Answer {
    }

    /** A request to run; its reply is set when it has. */
    private static final class Fresh implements Answer {
        final Optional<String> requestId;
        final Request request;
        List<Outcome> outcomes;
        Reply reply;

        Fresh(Optional<String> requestId, Request request) {
            this.requestId = requestId;
            this.request = request;
        }

        @Override
        public Reply reply() {
            return reply;
        }
    }

    @Override
    public List<Reply> handle(List<Incoming> messages) {
        methodsInBatch.clear();
        List<Answer> answers = new ArrayList<>(messages.size());
        List<Fresh> toRun = new ArrayList<>();
        // A client resending after a failover can put the same request twice into one batch: the
        // copy shares the first one's answer instead of running again.
        Map<String, Fresh> inThisBatch = new HashMap<>();
        for (Incoming message : messages) {
            if (message instanceof Incoming.Unreadable unreadable) {
                answers.add(new Known(Reply.error(unreadable.why())));
                counted(INVALID, unreadable.why());
                continue;
            }
            Incoming.Readable text = (Incoming.Readable) message;
            Optional<String> requestId = text.identity().map(identity -> requestId(identity, text.body()));
            Optional<Fresh> copy = requestId.map(inThisBatch::get);
            if (copy.isPresent()) {
                answers.add(copy.get());
                continue;
            }
            Optional<Reply> logged = requestId.flatMap(this::loggedReply);
            if (logged.isPresent()) {
                answers.add(new Known(logged.get()));
                continue;
            }
            Request request = codec.decode(text.body());
            if (request.actions().isEmpty()) {
                // Nothing to run (invalid, or getSealingKey): answered without the service's lock.
                answers.add(new Known(codec.encode(request, List.of())));
                count(request, List.of());
                continue;
            }
            Fresh fresh = new Fresh(requestId, request);
            requestId.ifPresent(id -> inThisBatch.put(id, fresh));
            toRun.add(fresh);
            answers.add(fresh);
        }
        if (!toRun.isEmpty()) {
            run(toRun);
        }
        return answers.stream().map(Answer::reply).toList();
    }

    /**
     * Runs the requests as one batch; if their changes cannot be made durable, none is made, and
     * each request runs again alone, so only a request whose own change fails is refused.
     */
    private void run(List<Fresh> requests) {
        run(requests, new ListBudget());
    }

    /** @param budget the list text the replies may hold, for these requests and any run again after them */
    private void run(List<Fresh> requests, ListBudget budget) {
        List<ConnectionKey> changed;
        long budgetLeft = budget.left();
        try (Batch batch = service.begin(budget)) {
            for (Fresh fresh : requests) {
                fresh.outcomes = runActions(batch, fresh.request);
                fresh.reply = codec.encode(fresh.request, fresh.outcomes);
                if (fresh.requestId.isPresent()) {
                    batch.recordReply(fresh.requestId.get(), fresh.reply);
                }
            }
            batch.commit();
            changed = batch.changed();
        } catch (StoreException e) {
            budget.giveBack(budgetLeft); // the replies built are thrown away
            if (requests.size() > 1) {
                // One request's change may be what the store refused: each runs again alone, so it
                // fails no other request that happened to arrive with it.
                log.warn("{} requests not made durable together ({}): each runs again on its own", requests.size(), e.getMessage());
                requests.forEach(fresh -> run(List.of(fresh), budget));
                return;
            }
            log.error("{} request(s) not made durable, nothing changed: {}", requests.size(), e.getMessage());
            RpcError unavailable = new RpcError(ErrorCode.STORE_UNAVAILABLE,
                    "the worker could not record the change durably (" + e.getMessage()
                            + "); nothing was changed, retry later");
            try (Batch readOnly = service.beginRefusingChanges(unavailable, budget)) {
                for (Fresh fresh : requests) {
                    fresh.outcomes = runActions(readOnly, fresh.request);
                    fresh.reply = codec.encode(fresh.request, fresh.outcomes);
                }
            }
            requests.forEach(fresh -> count(fresh.request, fresh.outcomes));
            return;
        }
        // Counted once their outcomes are final: a batch whose commit failed runs again, refused.
        requests.forEach(fresh -> count(fresh.request, fresh.outcomes));
        changed.forEach(reconcile);
    }

    private static List<Outcome> runActions(Batch batch, Request request) {
        return request.actions().stream().map(batch::run).toList();
    }

    /** The {@code method} of a message that is not a call (unreadable). */
    private static final String INVALID = "(invalid)";

    /** Counts each call of {@code request}, given the outcomes of its actions in order. */
    private void count(Request request, List<Outcome> actionOutcomes) {
        int ran = 0;
        for (Request.Part part : request.parts()) {
            counted(part.method(), part instanceof Request.Part.Answered answered ? answered.outcome()
                    : actionOutcomes.get(ran++));
        }
    }

    private void counted(String method, Outcome outcome) {
        meters.handled(method, outcome);
        methodsInBatch.add(method);
    }

    @Override
    public void repliesSent(long receivedNanos) {
        long nanos = System.nanoTime() - receivedNanos;
        for (String method : methodsInBatch) {
            meters.answered(method, nanos);
        }
        methodsInBatch.clear();
    }

    private Optional<Reply> loggedReply(String requestId) {
        try {
            Optional<Reply> logged = store.findReply(requestId);
            logged.ifPresent(r -> log.info("request {} was handled before; answering with its recorded reply", requestId));
            return logged;
        } catch (StoreException e) {
            // The store reads a reply only for a request it knows was handled: running it again
            // would answer a done unmanage with CID_NOT_FOUND. Refused instead, to be sent again.
            log.warn("request {} was handled before, but its recorded reply cannot be read: {}", requestId, e.getMessage());
            return Optional.of(Reply.error(new RpcError(ErrorCode.STORE_UNAVAILABLE,
                    "this request was handled before, but its reply cannot be read now (" + e.getMessage()
                            + "); send it again later")));
        }
    }

    /**
     * The request log's key for a request: 128 bits of SHA-256 over its delivery identity and body,
     * so a request sent again with the same correlation-id but another body is a new request.
     * Short, because the store keeps the keys of the recent requests in memory.
     */
    static String requestId(String identity, String body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(identity.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] hash = sha.digest(body.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
