package io.tether.monitor;

import io.tether.retry.RetryPolicy;
import io.tether.testing.LogLines;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The retries a worker in this JVM planned for one connection, read from the reconciler's log lines
 * ("key=K retrying in N ms (failure F in a row)"): what the backoff decided, which a busy machine
 * cannot change, unlike the time that passed before the retry came.
 */
final class PlannedRetries {
    private static final Pattern RETRYING = Pattern.compile("key=(\\S+) retrying in (\\d+) ms \\(failure (\\d+) in a row\\)");

    /** One plan: after the {@code failures}-th failure in a row, retry in {@code ms}. */
    record Plan(int failures, long ms) {
        /** Whether {@code policy} can plan this delay for this failure, anywhere in its jitter band. */
        boolean keeps(RetryPolicy policy) {
            return ms >= policy.delay(failures, () -> 0.0).toMillis()
                    && ms <= policy.delay(failures, () -> Math.nextDown(1.0)).toMillis();
        }
    }

    private PlannedRetries() {
    }

    /** The plans made for connection {@code key} so far, in order. */
    static List<Plan> of(LogLines log, String key) {
        List<Plan> plans = new ArrayList<>();
        for (String line : log.lines()) {
            Matcher m = RETRYING.matcher(line);
            if (m.matches() && m.group(1).equals(key)) {
                plans.add(new Plan(Integer.parseInt(m.group(3)), Long.parseLong(m.group(2))));
            }
        }
        return plans;
    }
}
