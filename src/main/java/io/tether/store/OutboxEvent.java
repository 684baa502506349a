package io.tether.store;

/**
 * An event waiting in the outbox: its JSON-RPC notification, and the two params subscribers select
 * on, kept beside it so publishing never reads the body back.
 *
 * @param body   the notification as sent
 * @param state  its {@code params.state}
 * @param change its {@code params.change}
 */
public record OutboxEvent(long seq, String body, String state, String change) {
}
