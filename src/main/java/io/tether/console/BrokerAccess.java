package io.tether.console;

import io.tether.client.TetherClient;

/**
 * How the console reaches the broker: the engine-side commands' login and time limit
 * ({@code cli/ClientOptions}), behind a narrow interface so the console package does not depend
 * on the command line.
 */
public interface BrokerAccess {
    /** A new connection to the broker; fails (within the caller's time limit) when it cannot be had. */
    TetherClient connect() throws Exception;

    /** One line saying why the broker could not be used, for the page's banner. */
    String describe(Exception e);
}
