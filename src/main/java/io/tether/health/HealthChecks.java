package io.tether.health;

import java.util.List;
import java.util.function.Supplier;

/**
 * The worker's health as {@code /livez} and {@code /readyz} report it. Implementations read only
 * what is in memory (flags, thread states): a health check never waits for a lock, a connector or
 * the broker.
 */
public interface HealthChecks {

    /** Liveness: the request and monitor threads run. */
    List<Check> liveness();

    /** Readiness: the store is open, the broker connection is up, the request consumer is attached. */
    List<Check> readiness();

    /** One check: its name ({@code store}, {@code broker}, ...), whether it passed, and if not why. */
    record Check(String name, boolean ok, String detail) {
        public static Check passed(String name) {
            return new Check(name, true, null);
        }

        public static Check failed(String name, String detail) {
            return new Check(name, false, detail);
        }
    }

    /** The health that the checks {@code liveness} and {@code readiness} make. */
    static HealthChecks of(Supplier<List<Check>> liveness, Supplier<List<Check>> readiness) {
        return new HealthChecks() {
            @Override
            public List<Check> liveness() {
                return liveness.get();
            }

            @Override
            public List<Check> readiness() {
                return readiness.get();
            }
        };
    }

    /** Healthy in every respect: for a metrics registry with no worker behind it (tests). */
    HealthChecks ALWAYS = of(List::of, List::of);
}
