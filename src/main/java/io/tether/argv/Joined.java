package io.tether.argv;

import java.util.Objects;

/**
 * A fixed word and a checked part as one argument: {@code if=FILE}, {@code --unit=NAME}.
 *
 * @param word  the word, which ends in '='
 * @param value the part that follows it
 */
public record Joined(Word word, Arg value) implements Arg {
    public Joined {
        Objects.requireNonNull(word);
        Objects.requireNonNull(value);
        if (!word.text().endsWith("=")) {
            throw new IllegalArgumentException(word + " takes no value");
        }
        if (value instanceof Word || value instanceof Joined) {
            throw new IllegalArgumentException("a value is a checked part, not a word");
        }
    }

    @Override
    public String text() {
        return word.text() + value.text();
    }

    @Override
    public String shown() {
        return word.text() + value.shown();
    }
}
