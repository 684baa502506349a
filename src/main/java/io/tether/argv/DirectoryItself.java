package io.tether.argv;

import java.util.Objects;

/**
 * A directory given as {@code DIR/.}: a program that resolves it (realpath) fails with "Not a
 * directory" unless it is one, so a single child process both resolves and checks it.
 *
 * @param directory the directory, checked as any local path
 */
public record DirectoryItself(LocalPath directory) implements Arg {
    public DirectoryItself {
        Objects.requireNonNull(directory);
    }

    @Override
    public String text() {
        return directory.text().equals("/") ? "/." : directory.text() + "/.";
    }
}
