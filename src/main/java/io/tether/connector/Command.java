package io.tether.connector;

import io.tether.argv.Arg;
import io.tether.argv.Joined;
import io.tether.argv.Program;
import io.tether.argv.Word;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A host program to run, and the one builder of everything that reaches one: an argument list
 * (never a shell string) made only of {@link Arg}s, each checked against its grammar when it was
 * made, so that no unchecked string can become an argument (docs/connectors.md, "What reaches a
 * host program"); extra environment, for secrets a program reads from there. {@link #toString()}
 * is the command line with secrets masked, the only form that is ever logged or put in an error
 * message.
 */
public final class Command {
    /**
     * One element of the argument list: its text, how it is shown, and how many of its first
     * characters are fixed (a {@link Word}, a program's name, or the word a {@link Joined} starts
     * with) rather than a checked part.
     */
    record Element(String text, String shown, int fixedLength) {
        /** Whether the whole element is fixed. */
        boolean fixed() {
            return fixedLength == text.length();
        }
    }

    private final Program program;
    private final List<Element> elements = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();

    private Command(Program program) {
        this.program = Objects.requireNonNull(program);
        elements.add(new Element(program.name(), program.name(), program.name().length()));
    }

    /** {@code program}, with no arguments yet. */
    public static Command of(Program program) {
        return new Command(program);
    }

    /** Appends {@code args}, each a fixed word or a part checked when it was made. */
    public Command arg(Arg... args) {
        for (Arg arg : args) {
            int fixed = arg instanceof Word ? arg.text().length() : arg instanceof Joined joined ? joined.word().text().length() : 0;
            elements.add(new Element(arg.text(), arg.shown(), fixed));
        }
        return this;
    }

    /** An environment variable for the child only; its value is never shown. */
    public Command env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /**
     * This command run by {@code launcher} (its program and arguments first): a copy that, missing,
     * names the launcher's package; the environment of both.
     */
    public Command wrappedIn(Command launcher) {
        Command wrapped = new Command(launcher.program);
        wrapped.elements.clear();
        wrapped.elements.addAll(launcher.elements);
        wrapped.elements.addAll(elements);
        wrapped.environment.putAll(launcher.environment);
        wrapped.environment.putAll(environment);
        return wrapped;
    }

    public String tool() {
        return program.name();
    }

    public String installHint() {
        return program.installHint();
    }

    /** What the process is started with: the program, then each argument's text. */
    List<String> argv() {
        return elements.stream().map(Element::text).toList();
    }

    /** The argument list with what each element is (tests check the parts against their grammar). */
    List<Element> elements() {
        return Collections.unmodifiableList(elements);
    }

    Map<String, String> environment() {
        return Collections.unmodifiableMap(environment);
    }

    @Override
    public String toString() {
        return String.join(" ", elements.stream().map(Element::shown).toList());
    }
}
