package io.tether.cli;

import io.tether.amqp.Addresses;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * An engine-side command that talks to the workers of the hosts it names: one, or several at once
 * ({@code --host h1,h2,...}), each with a line (or a section) of its own in the output.
 */
abstract class HostCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--host", required = true, split = ",", paramLabel = "<host>",
            description = "Host id of the worker. Several, comma-separated (or --host given again), run the command on"
                    + " all of them at once: one line (list: one section) per host, prefixed with its id; exit 0 only"
                    + " if every host succeeded.")
    List<String> hostIds;

    /** The hosts named, each once, in the order given; a host id that is not one is a usage error. */
    Set<String> hosts() {
        Set<String> hosts = new LinkedHashSet<>();
        for (String id : hostIds) {
            Addresses.checkHostId(id);
            hosts.add(id);
        }
        return hosts;
    }

    /** Whether one host is named: the command's output is then that of one host, without prefixes. */
    boolean oneHost() {
        return hosts().size() == 1;
    }

    /** The one host named. */
    String host() {
        return hosts().iterator().next();
    }
}
