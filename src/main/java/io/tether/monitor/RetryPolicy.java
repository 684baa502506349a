package io.tether.monitor;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next connect attempt after {@code failures} failures in a row:
 * {@code initial * multiplier^(failures-1)}, spread by ±{@code jitter} so that many connections
 * failing together do not retry together, and never more than {@code max}.
 */
public record RetryPolicy(Duration initial, Duration max, double multiplier, double jitter) {

    /** 1 s, 2 s, 4 s, ... up to 60 s, ±20%. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2);
    }

    public RetryPolicy {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || multiplier < 1
                || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("retry policy needs 0 < initial <= max, multiplier >= 1, 0 <= jitter < 1");
        }
    }

    /** The delay after the {@code failures}-th failure in a row (1 for the first). */
    public Duration delay(int failures) {
        double base = initial.toMillis() * Math.pow(multiplier, Math.max(0, Math.min(failures, 64) - 1));
        double spread = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.round(Math.min(max.toMillis(), Math.min(base, max.toMillis()) * spread)));
    }
}
