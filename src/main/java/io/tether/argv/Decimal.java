package io.tether.argv;

/** A non-negative whole number written in decimal, as a program's numeric option takes it ({@code --nr-io-queues=4}). */
public record Decimal(int value) implements Arg {
    public Decimal {
        if (value < 0) {
            throw new IllegalArgumentException("is negative");
        }
    }

    @Override
    public String text() {
        return Integer.toString(value);
    }
}
