package io.tether.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * A host command that sends one request to each host and waits for the answers (manage, unmanage,
 * list): how long it waits at most is the request's timeout, so {@code --timeout}, the name
 * kubectl users type for that, is {@code --request-timeout}'s other name here.
 */
abstract class OneRequestCommand extends HostCommand {
    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "The same as --request-timeout: how long the command waits at most.")
    void timeout(Duration seconds) {
        client.timeout = seconds;
    }
}
