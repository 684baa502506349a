package io.tether.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before the next attempt after {@code failures} failures in a row:
 * {@code initial * multiplier^(failures-1)}, spread by ±{@code jitter} so that many connections
 * failing together do not retry together, and never more than {@code max}.
 *
 * <p>The randomness is a parameter of {@link #delay(int, DoubleSupplier)}, so a test can script it.
 */
public record RetryPolicy(Duration initial, Duration max, double multiplier, double jitter) {

    /** Each delay twice the one before; the CLI's default too. */
    public static final double DEFAULT_MULTIPLIER = 2.0;

    /** 1 s, 2 s, 4 s, ... up to 60 s, ±20%. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), DEFAULT_MULTIPLIER, 0.2);
    }

    public RetryPolicy {
        // Written so that NaN fails too: every comparison with NaN is false.
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0
                || !(multiplier >= 1) || !(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("retry policy needs 0 < initial <= max, multiplier >= 1, 0 <= jitter < 1;"
                    + " got initial " + initial + ", max " + max + ", multiplier " + multiplier + ", jitter " + jitter);
        }
    }

    /** The delay after the {@code failures}-th failure in a row (1 for the first), with the thread's random. */
    public Duration delay(int failures) {
        return delay(failures, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * The delay after the {@code failures}-th failure in a row (1 for the first).
     *
     * @param random a number in [0, 1) that picks the point in the jitter band: 0 for its lowest
     *               ({@code -jitter}), 0.5 for none, towards 1 for its highest ({@code +jitter})
     */
    public Duration delay(int failures, DoubleSupplier random) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures counts from 1, got " + failures);
        }
        double r = random.getAsDouble();
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException("random must be in [0, 1), got " + r);
        }
        double cap = millis(max);
        // pow may overflow to infinity after many failures; the cap takes over, as it should.
        double base = Math.min(cap, millis(initial) * Math.pow(multiplier, failures - 1));
        double spread = 1 + jitter * (2 * r - 1);
        return Duration.ofMillis(Math.round(Math.min(cap, base * spread)));
    }

    private static double millis(Duration d) {
        return d.getSeconds() * 1000.0 + d.getNano() / 1e6;
    }
}
