package io.tether.store;

import io.tether.api.Reply;
import java.util.List;

/**
 * Everything one commit writes, handed to {@link Store#commit} in one call so the rows, their
 * events and the replies that tell of them are durable together or not at all. The lists are
 * handed over, not copied: the caller builds them for this commit only.
 *
 * @param rows    the CID and pending-disconnect rows' changes, in the order they were made
 * @param events  the events, in seq order, each seq above every seq handed out before
 * @param replies the replies to record, so a redelivery of their requests is answered, not run again
 */
public record Commit(List<RowChange> rows, List<OutboxEvent> events, List<LoggedReply> replies) {
    /** The reply to request {@code requestId}: {@link Reply#NONE} for a notification. */
    public record LoggedReply(String requestId, Reply reply) {
    }
}
