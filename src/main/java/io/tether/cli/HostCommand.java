package io.tether.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** An engine-side command that talks to one host's worker, which it must name. */
abstract class HostCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--host", required = true, description = "Host id of the worker.")
    String host;
}
