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

    @Option(names = "--host", split = ",", paramLabel = "<host>", defaultValue = "${env:TETHER_HOST}",
            description = "Host id of the worker (default: env TETHER_HOST, else the host id of the worker on this machine,"
                    + " as its data dir (--data-dir) says). Several, comma-separated (or --host given again), run the"
                    + " command on all of them at once: one line (list: one section) per host, prefixed with its id; exit 0"
                    + " only if every host succeeded.")
    List<String> hostIds;

    /**
     * The hosts named, each once, in the order given; without --host or TETHER_HOST, the worker on
     * this machine. A host id that is not one, or none at all, is a usage error.
     */
    Set<String> hosts() {
        List<String> ids = hostIds == null || hostIds.isEmpty() || hostIds.equals(List.of(""))
                ? List.of(client.localWorker().map(LocalWorker::hostId).orElseThrow(() -> new IllegalArgumentException(
                        "Missing required option: '--host=<host>' (nor TETHER_HOST, nor a worker's address in "
                                + client.dataDir.resolve(LocalWorker.FILE) + ")")))
                : hostIds;
        Set<String> hosts = new LinkedHashSet<>();
        for (String id : ids) {
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
