package io.tether.connector;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A host tool to run: an argument list (never a shell string), extra environment, and which
 * arguments are secrets. {@link #toString()} is the command line with secrets masked, the only form
 * that is ever logged or put in an error message.
 */
public final class Command {
    private final List<String> argv = new ArrayList<>();
    private final List<String> shown = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final String installHint;

    private Command(String tool, String installHint) {
        this.installHint = installHint;
        argv.add(tool);
        shown.add(tool);
    }

    /** {@code tool} and the package that provides it, named when the tool is missing. */
    public static Command of(String tool, String installHint) {
        return new Command(tool, installHint);
    }

    public Command arg(String... args) {
        for (String a : args) {
            argv.add(a);
            shown.add(a);
        }
        return this;
    }

    /** An argument that must not be shown (a password given on the command line). */
    public Command secretArg(String value) {
        return argShownAs(value, "***");
    }

    /** An argument shown as {@code display} (e.g. mount options with their secret values masked). */
    public Command argShownAs(String value, String display) {
        argv.add(value);
        shown.add(display);
        return this;
    }

    /** An environment variable for the child only; its value is never shown. */
    public Command env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /**
     * This command run by {@code launcher} (its tool and arguments first): a copy that, missing,
     * names the launcher's package; the environment of both.
     */
    public Command wrappedIn(Command launcher) {
        Command wrapped = new Command(launcher.tool(), launcher.installHint);
        wrapped.argv.clear();
        wrapped.shown.clear();
        wrapped.argv.addAll(launcher.argv);
        wrapped.shown.addAll(launcher.shown);
        wrapped.argv.addAll(argv);
        wrapped.shown.addAll(shown);
        wrapped.environment.putAll(launcher.environment);
        wrapped.environment.putAll(environment);
        return wrapped;
    }

    public String tool() {
        return argv.get(0);
    }

    public String installHint() {
        return installHint;
    }

    List<String> argv() {
        return Collections.unmodifiableList(argv);
    }

    Map<String, String> environment() {
        return Collections.unmodifiableMap(environment);
    }

    @Override
    public String toString() {
        return String.join(" ", shown);
    }
}
