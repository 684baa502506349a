package io.tether.bench.routes;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jdi.AbsentInformationException;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.ClassType;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StringReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.LocatableEvent;
import com.sun.jdi.event.MethodEntryEvent;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.MethodEntryRequest;
import com.sun.jdi.request.MethodExitRequest;
import io.tether.testing.Requirements;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Follows a manage and a probe that changes state call by call (issue "the shape of a model
 * codebase": how many files each route passes, and how often it comes back to a file it had left).
 * It runs {@link RouteScenario} in a JVM of its own under the JDK's debugger interface, records
 * every entry into and exit from a Tether method on the worker's own threads between the
 * scenario's marks, and prints per route: the files entered (value types, enums and interfaces
 * counted apart: records read through their accessors), and the files re-entered after control had
 * left them (a call into a file none of whose frames is on the stack, after it ran earlier in the
 * route). A lambda with a body counts as the file that wrote it (it compiles to a synthetic
 * {@code lambda$...} method of that class). A JVM lambda proxy (the hidden class, named
 * {@code ...$$Lambda...}, that implements the functional interface for a lambda or a method
 * reference) only forwards the call, so it is transparent: not counted as a file, not pushed on the
 * stack, its exit not popped; a method reference {@code publisher::wake} written in one class thus
 * goes straight to the publisher, as a reader follows it. The manage route is the request and event
 * threads ({@code tether-requests}, {@code tether-events}); the probe route is every other worker
 * thread (the schedule, reconcile, operation and event threads), so it includes the connect
 * that follows the failed probe, up to its event. Needs root (the scenario mounts a tmpfs).
 *
 * <p>{@code mvn -q -o -Pbench test -Dtest=RouteTraceBenchmark}; {@code -Dbench.routes.verbose=true}
 * prints each route's files in order; {@code -Dbench.routes.calls=true} every call, nested, with
 * {@code <-- back} where it re-enters a file.
 */
class RouteTraceBenchmark {
    private static final boolean VERBOSE = Boolean.getBoolean("bench.routes.verbose");
    private static final boolean CALLS = Boolean.getBoolean("bench.routes.calls");

    /** One entry (or exit) of a Tether method, as recorded. */
    record Step(boolean entry, String thread, String file, boolean valueType, String method) {
    }

    @Test
    void routes() throws Exception {
        Requirements.needRoot();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process scenario = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:" + port,
                "-cp", System.getProperty("java.class.path"), RouteScenario.class.getName())
                .redirectErrorStream(true).redirectOutput(new File(System.getProperty("java.io.tmpdir"), "route-scenario.log"))
                .start();
        Map<String, List<Step>> routes;
        try {
            routes = record(attach(port));
        } finally {
            if (!scenario.waitFor(2, TimeUnit.MINUTES)) {
                scenario.destroyForcibly();
            }
        }
        assertTrue(routes.containsKey("manage") && routes.containsKey("probe"), "both routes traced: " + routes.keySet());
        report("manage", routes.get("manage"), t -> t.equals("tether-requests") || t.equals("tether-events"));
        report("probe", routes.get("probe"), t -> !t.equals("tether-requests"));
    }

    private static VirtualMachine attach(int port) throws Exception {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
        Map<String, Connector.Argument> args = socket.defaultArguments();
        args.get("hostname").setValue("127.0.0.1");
        args.get("port").setValue(Integer.toString(port));
        for (int attempt = 0; ; attempt++) {
            try {
                return socket.attach(args);
            } catch (java.io.IOException notYet) {
                if (attempt > 100) {
                    throw notYet;
                }
                Thread.sleep(100); // the child JVM is still starting its debugger agent
            }
        }
    }

    /** The steps of each route the scenario marks, on the worker's threads ({@code tether-*}). */
    private static Map<String, List<Step>> record(VirtualMachine vm) throws Exception {
        EventRequestManager requests = vm.eventRequestManager();
        ClassPrepareRequest prepare = requests.createClassPrepareRequest();
        prepare.addClassFilter(RouteScenario.class.getName());
        prepare.enable();
        // Entry and exit events only between the marks: enabled, they make the JVM interpret everything.
        MethodEntryRequest entries = requests.createMethodEntryRequest();
        MethodExitRequest exits = requests.createMethodExitRequest();
        for (EventRequest r : List.of(entries, exits)) {
            if (r instanceof MethodEntryRequest e) {
                e.addClassFilter("io.tether.*");
                e.addClassExclusionFilter("io.tether.testing.*");
                e.addClassExclusionFilter("io.tether.client.*");
                e.addClassExclusionFilter("io.tether.bench.*");
            } else {
                MethodExitRequest x = (MethodExitRequest) r;
                x.addClassFilter("io.tether.*");
                x.addClassExclusionFilter("io.tether.testing.*");
                x.addClassExclusionFilter("io.tether.client.*");
                x.addClassExclusionFilter("io.tether.bench.*");
            }
            r.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        }
        Map<String, List<Step>> routes = new LinkedHashMap<>();
        List<Step> current = null;
        vm.resume();
        while (true) {
            EventSet set;
            try {
                set = vm.eventQueue().remove();
            } catch (VMDisconnectedException gone) {
                return routes;
            }
            for (Event event : set) {
                if (event instanceof VMDeathEvent || event instanceof VMDisconnectEvent) {
                    return routes;
                }
                if (event instanceof ClassPrepareEvent prepared) {
                    for (String mark : List.of("begin", "end")) {
                        for (Method m : prepared.referenceType().methodsByName(mark)) {
                            BreakpointRequest b = requests.createBreakpointRequest(m.location());
                            b.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                            b.enable();
                        }
                    }
                } else if (event instanceof BreakpointEvent mark) {
                    if (mark.location().method().name().equals("begin")) {
                        String route = ((StringReference) mark.thread().frame(0).getArgumentValues().get(0)).value();
                        current = routes.computeIfAbsent(route, r -> new ArrayList<>());
                        entries.enable();
                        exits.enable();
                    } else {
                        entries.disable();
                        exits.disable();
                        current = null;
                    }
                } else if (event instanceof LocatableEvent step && current != null) {
                    String thread = step.thread().name();
                    if (thread.startsWith("tether-") && !lambdaProxy(step.location().method())) {
                        current.add(step(event instanceof MethodEntryEvent, thread, step.location().method()));
                    }
                }
            }
            set.resume();
        }
    }

    /**
     * Whether {@code method} belongs to a JVM lambda proxy: a hidden class that only forwards to the
     * lambda's body or the referenced method, so its frames are left out of the route.
     */
    private static boolean lambdaProxy(Method method) {
        return method.declaringType().name().contains("$$Lambda");
    }

    private static Step step(boolean entry, String thread, Method method) {
        ReferenceType type = method.declaringType();
        String name = type.name();
        String pkg = name.substring(0, name.lastIndexOf('.')).replace("io.tether.", "");
        String file;
        try {
            file = pkg + "/" + type.sourceName();
        } catch (AbsentInformationException lambda) {
            String simple = name.substring(name.lastIndexOf('.') + 1);
            file = pkg + "/" + simple.split("\\$")[0] + ".java";
        }
        boolean value = !(type instanceof ClassType c) || c.superclass() != null
                && (c.superclass().name().equals("java.lang.Record") || c.superclass().name().equals("java.lang.Enum"));
        return new Step(entry, thread, file, value, name.substring(name.lastIndexOf('.') + 1) + "." + method.name());
    }

    private static void report(String route, List<Step> steps, Predicate<String> onRoute) {
        Map<String, Boolean> files = new LinkedHashMap<>();
        Set<String> reentered = new LinkedHashSet<>();
        Map<String, Deque<String>> stacks = new HashMap<>();
        for (Step step : steps) {
            if (!onRoute.test(step.thread())) {
                continue;
            }
            Deque<String> stack = stacks.computeIfAbsent(step.thread(), t -> new ArrayDeque<>());
            if (!step.entry()) {
                stack.poll();
                continue;
            }
            boolean back = !step.file().equals(stack.peek()) && files.containsKey(step.file()) && !stack.contains(step.file());
            if (back) {
                reentered.add(step.file());
            }
            if (CALLS) {
                System.out.println("    " + step.thread() + " " + "  ".repeat(stack.size()) + step.method() + (back ? "   <-- back" : ""));
            }
            files.putIfAbsent(step.file(), step.valueType());
            stack.push(step.file());
        }
        long values = files.values().stream().filter(v -> v).count();
        long valuesReentered = reentered.stream().filter(files::get).count();
        System.out.printf("route %s: %d files (%d of them value types, enums or interfaces); re-entered after leaving: %d"
                + " (%d value types)%n", route, files.size(), values, reentered.size(), valuesReentered);
        System.out.println("  re-entered: " + String.join(" ", reentered.stream().filter(f -> !files.get(f)).toList()));
        if (VERBOSE) {
            files.forEach((f, v) -> System.out.println("  " + (v ? "value " : "      ") + f));
        }
    }
}
