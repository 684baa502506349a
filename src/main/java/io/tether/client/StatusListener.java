package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;

/** What {@link TetherClient#watchByHost} hands over: a status event and the host it came from. */
@FunctionalInterface
public interface StatusListener {
    /** {@code params} of an event published on {@code hostId}'s status address, whose body names that host. */
    void onEvent(String hostId, JsonNode params);

    /**
     * The first event from {@code hostId}'s address whose body names another host, {@code named}
     * (null if none): it was dropped, as are the next ones, without another call.
     */
    default void onRefused(String hostId, String named) {
    }
}
