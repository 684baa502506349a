package io.tether.bench;

import java.util.Arrays;

/** Percentiles of a set of samples, printed the same way by every benchmark. */
final class Stats {
    private final double[] sorted;

    Stats(double[] samples) {
        this.sorted = samples.clone();
        Arrays.sort(sorted);
    }

    static Stats ofNanos(long[] nanos) {
        return new Stats(Arrays.stream(nanos).mapToDouble(n -> n / 1e6).toArray());
    }

    double percentile(double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    /** "p50 x ms, p99 y ms, max z ms (n samples)". */
    String millis() {
        return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d samples)",
                percentile(50), percentile(99), max(), sorted.length);
    }
}
