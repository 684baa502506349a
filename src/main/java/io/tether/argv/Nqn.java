package io.tether.argv;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * An NVMe Qualified Name (NVMe Base Specification, 4.5): {@code nqn.YYYY-MM.reversed.domain[:anything]},
 * at most 223 bytes, as {@code nvme connect --nqn=} and {@code --hostnqn=} take it and sysfs's
 * {@code subsysnqn} shows it. The part after the date and domain is ASCII letters, digits and
 * {@code .:_-} here, which every NQN nvme-cli and the kernel's target make keeps to
 * ({@code nqn.2014-08.org.nvmexpress:uuid:UUID} among them). NQNs compare exactly, case included.
 */
public record Nqn(String text) implements Arg {
    public static final Pattern GRAMMAR = Pattern.compile("nqn\\.\\d{4}-\\d{2}\\.[A-Za-z0-9][A-Za-z0-9.:_-]*");
    /** The discovery subsystem's NQN: a controller of it serves no namespace. */
    public static final String DISCOVERY = "nqn.2014-08.org.nvmexpress.discovery";

    public Nqn {
        if (text == null || text.getBytes(StandardCharsets.UTF_8).length > 223 || !GRAMMAR.matcher(text).matches()) {
            throw new IllegalArgumentException("is not an NQN (nqn.YYYY-MM.domain[:name], ASCII letters, digits"
                    + " and '.', ':', '_', '-', at most 223 bytes)");
        }
    }
}
