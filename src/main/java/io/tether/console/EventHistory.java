package io.tether.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The fleet's last events as the page's "Live events" log shows them, newest first, so a page
 * that opens (or opens again) starts with them rather than with an empty log: also while the
 * broker is away, when no new event comes to fill it. Not thread-safe: {@link FleetState} calls
 * it under its lock.
 */
final class EventHistory {
    /** Events kept: as many as the page's log shows. */
    static final int SIZE = 200;

    private final Deque<ObjectNode> events = new ArrayDeque<>();

    /** Keeps {@code summary} (an event as {@link HostModel#summary} makes it) as the newest. */
    void add(ObjectNode summary) {
        events.addFirst(summary);
        while (events.size() > SIZE) {
            events.removeLast();
        }
    }

    /** The events kept, newest first. */
    ArrayNode json() {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        events.forEach(array::add);
        return array;
    }
}
