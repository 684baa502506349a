package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.JsonRpc;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The list table's RETRY cell, from an entry's {@code retry} as the worker writes it. */
class ListCommandTest {
    private static final Instant NOW = Instant.parse("2026-11-24T09:12:10.500Z");

    private static JsonNode json(String text) throws Exception {
        return JsonRpc.MAPPER.readTree(text);
    }

    @Test
    void aRetryTodayShowsItsCountAndTimeOfDay() throws Exception {
        assertEquals("3, next 09:12:40Z",
                ListCommand.retry(json("{\"failures\":3,\"nextAttemptAt\":\"2026-11-24T09:12:40.118Z\"}"), NOW));
    }

    @Test
    void aRetryOnAnotherDayShowsItsDate() throws Exception {
        assertEquals("2, next 2026-11-25T00:00:05Z",
                ListCommand.retry(json("{\"failures\":2,\"nextAttemptAt\":\"2026-11-25T00:00:05Z\"}"), NOW));
    }

    @Test
    void noRetryIsADash() throws Exception {
        assertEquals("-", ListCommand.retry(json("{}").path("retry"), NOW));
        assertEquals("-", ListCommand.retry(json("null"), NOW));
    }
}
