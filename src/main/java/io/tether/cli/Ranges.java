package io.tether.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.function.DoublePredicate;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for the options whose values have a range. Picocli runs them while it parses, so a
 * value outside the range is a usage error, reported in one line that names the option and the
 * range (Main), before anything is sent or started.
 */
final class Ranges {
    private Ranges() {
    }

    /** A TCP port. */
    static final class Port extends Whole {
        public Port() {
            super(1, 65535, "a port");
        }
    }

    /** A number of threads: at least one to do the work, and not so many that they starve the host. */
    static final class Threads extends Whole {
        public Threads() {
            super(1, 1024, "a number of threads");
        }
    }

    /**
     * A duration in seconds, with up to millisecond precision. At least a millisecond, as less
     * would be zero; at most a day, as more is a typo, and far more would overflow the deadlines
     * computed from it.
     */
    static final class Seconds implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            double seconds = decimal(value, s -> s >= 0.001 && s <= 86_400, "a number of seconds from 0.001 to 86400");
            return Duration.ofMillis(Math.round(seconds * 1000));
        }

        /** {@code duration} in seconds as a user would write it: 10, 0.5. */
        static String text(Duration duration) {
            return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
        }
    }

    /** Seconds from 0 (none) to 86400, with millisecond precision. */
    static final class SecondsOrZero implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            double seconds = decimal(value, s -> s >= 0 && s <= 86_400, "a number of seconds from 0 to 86400");
            return Duration.ofMillis(Math.round(seconds * 1000));
        }
    }

    /** A fraction of a value that spreads it either way, so under 1: a spread of 1 would reach zero. */
    static final class Fraction implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return decimal(value, f -> f >= 0 && f < 1, "a fraction from 0 to less than 1");
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    private abstract static class Whole implements ITypeConverter<Integer> {
        private final int min;
        private final int max;
        private final String what;

        Whole(int min, int max, String what) {
            this.min = min;
            this.max = max;
            this.what = what;
        }

        @Override
        public Integer convert(String value) {
            try {
                long n = Long.parseLong(value.strip());
                if (n >= min && n <= max) {
                    return (int) n;
                }
            } catch (NumberFormatException e) {
                // Said below, as for a number out of range.
            }
            throw refused(value, what + " from " + min + " to " + max);
        }
    }

    private static double decimal(String value, DoublePredicate inRange, String what) {
        try {
            double d = Double.parseDouble(value);
            // NaN fails every comparison, so no range admits it.
            if (inRange.test(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // Said below, as for a number out of range.
        }
        throw refused(value, what);
    }

    private static TypeConversionException refused(String value, String what) {
        return new TypeConversionException("'" + value + "' is not " + what);
    }
}
