package io.tether.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The backoff arithmetic, with the randomness scripted: no sleeping, no flakiness. */
class RetryPolicyTest {
    private static final RetryPolicy POLICY = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.2);
    /** The middle of the jitter band: no spread at all. */
    private static final DoubleSupplier MIDDLE = () -> 0.5;
    private static final DoubleSupplier LOWEST = () -> 0.0;
    private static final DoubleSupplier HIGHEST = () -> Math.nextDown(1.0);

    private static long millis(RetryPolicy policy, int failures, DoubleSupplier random) {
        return policy.delay(failures, random).toMillis();
    }

    @ParameterizedTest(name = "failure {0}: {1} ms, {2} to {3} ms with jitter")
    @CsvSource(delimiter = '|', value = {
        // failures | without jitter | lowest | highest: 100 ms doubling, ±20%, capped at 800 ms
        "1          | 100            | 80     | 120",
        "2          | 200            | 160    | 240",
        "3          | 400            | 320    | 480",
        "4          | 800            | 640    | 800",
        "5          | 800            | 640    | 800",
        "64         | 800            | 640    | 800",
        "1000000    | 800            | 640    | 800",
        "2147483647 | 800            | 640    | 800",
    })
    void startsAtInitialGrowsByTheMultiplierAndStopsAtTheCap(int failures, long middle, long lowest, long highest) {
        assertEquals(middle, millis(POLICY, failures, MIDDLE));
        assertEquals(lowest, millis(POLICY, failures, LOWEST));
        assertEquals(highest, millis(POLICY, failures, HIGHEST));
    }

    @Test
    void theMultiplierIsTheGrowthPerFailure() {
        RetryPolicy triple = new RetryPolicy(Duration.ofMillis(10), Duration.ofSeconds(10), 3.0, 0.0);
        assertEquals(10, millis(triple, 1, MIDDLE));
        assertEquals(30, millis(triple, 2, MIDDLE));
        assertEquals(90, millis(triple, 3, MIDDLE));
        assertEquals(270, millis(triple, 4, MIDDLE));
        RetryPolicy constant = new RetryPolicy(Duration.ofMillis(200), Duration.ofMillis(200), 1.0, 0.0);
        assertEquals(200, millis(constant, 1, MIDDLE));
        assertEquals(200, millis(constant, 50, MIDDLE));
    }

    @Test
    void jitterStaysInItsBandAndNeverPassesTheCap() {
        SplittableRandom seeded = new SplittableRandom(15);
        for (int failures = 1; failures <= 8; failures++) {
            long base = Math.min(800, 100L << (failures - 1));
            long low = Math.round(base * 0.8);
            long high = Math.min(800, Math.round(base * 1.2));
            long least = Long.MAX_VALUE;
            long most = 0;
            for (int i = 0; i < 1000; i++) {
                long delay = millis(POLICY, failures, seeded::nextDouble);
                assertTrue(delay >= low && delay <= high,
                        "failure " + failures + ": " + delay + " ms is outside " + low + ".." + high + " ms");
                least = Math.min(least, delay);
                most = Math.max(most, delay);
            }
            // The jitter really spreads: a thousand draws cover most of the band.
            assertTrue(most - least >= (high - low) * 0.9, "failure " + failures + ": only " + least + ".." + most + " ms");
        }
    }

    @Test
    void noJitterIsTheSameDelayWhateverTheRandom() {
        RetryPolicy exact = new RetryPolicy(Duration.ofMillis(300), Duration.ofSeconds(5), 2.0, 0.0);
        assertEquals(600, millis(exact, 2, LOWEST));
        assertEquals(600, millis(exact, 2, HIGHEST));
    }

    @Test
    void theDefaultsAreOneSecondDoublingToAMinuteWithTwentyPercent() {
        RetryPolicy defaults = RetryPolicy.defaults();
        assertEquals(new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), RetryPolicy.DEFAULT_MULTIPLIER, 0.2),
                defaults);
        assertEquals(2.0, RetryPolicy.DEFAULT_MULTIPLIER);
        assertEquals(Duration.ofSeconds(32), defaults.delay(6, MIDDLE));
        assertEquals(Duration.ofSeconds(60), defaults.delay(7, MIDDLE));
    }

    @Test
    void theUnscriptedDelayUsesARandomInTheBand() {
        for (int i = 0; i < 100; i++) {
            long delay = POLICY.delay(1).toMillis();
            assertTrue(delay >= 80 && delay <= 120, delay + " ms");
        }
    }

    @ParameterizedTest(name = "initial {0} ms, max {1} ms, multiplier {2}, jitter {3}")
    @CsvSource(delimiter = '|', value = {
        "0    | 800 | 2.0 | 0.2",
        "-1   | 800 | 2.0 | 0.2",
        "900  | 800 | 2.0 | 0.2",
        "100  | 800 | 0.5 | 0.2",
        "100  | 800 | NaN | 0.2",
        "100  | 800 | 2.0 | -0.1",
        "100  | 800 | 2.0 | 1.0",
        "100  | 800 | 2.0 | NaN",
    })
    void refusesAPolicyThatCannotBackOff(long initial, long max, double multiplier, double jitter) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(Duration.ofMillis(initial), Duration.ofMillis(max), multiplier, jitter));
        assertTrue(e.getMessage().startsWith("retry policy needs 0 < initial <= max"), e.getMessage());
    }

    @Test
    void refusesACountBelowOneAndARandomOutsideTheUnitInterval() {
        assertThrows(IllegalArgumentException.class, () -> POLICY.delay(0, MIDDLE));
        assertThrows(IllegalArgumentException.class, () -> POLICY.delay(-1, MIDDLE));
        assertThrows(IllegalArgumentException.class, () -> POLICY.delay(1, () -> 1.0));
        assertThrows(IllegalArgumentException.class, () -> POLICY.delay(1, () -> -0.01));
        assertThrows(IllegalArgumentException.class, () -> POLICY.delay(1, () -> Double.NaN));
    }

    /** Without a scripted random the delays still spread over the band, so hosts do not retry together. */
    @Test
    void theUnscriptedDelaysDiffer() {
        java.util.Set<Long> delays = new java.util.HashSet<>();
        for (int i = 0; i < 100; i++) {
            delays.add(POLICY.delay(1).toMillis());
        }
        // 100 draws from 41 values in 80..120 ms: fewer than 10 distinct ones does not happen by chance.
        assertTrue(delays.size() >= 10, delays.toString());
    }
}
