package io.tether.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The worker's settings from three layers, the later winning: the config file ({@code name = value}
 * per line, the option's name without its dashes, {@code #} comments; a repeatable option on
 * several lines), then the environment ({@code TETHER_NAME}, dashes as underscores; a repeatable
 * option's values separated by blanks), then the command line. As picocli's default value
 * provider it serves every option of the command it is set on, including options added later,
 * with no code per option: picocli asks it only for the options the command line did not give.
 *
 * <p>The file is {@code --config FILE}, else {@code $TETHER_CONFIG}, else {@code
 * /etc/tether/worker.conf} if it exists. {@link #apply} checks it (unknown names, a secret in a
 * file others can read, a password on the command line) and fills the repeatable options, which
 * picocli would take a default for as one value.
 */
public final class ConfigLayers implements IDefaultValueProvider {
    static final Path DEFAULT_FILE = Path.of("/etc/tether/worker.conf");
    static final String CONFIG_OPTION = "--config";
    static final String PRINT_OPTION = "--print-config";
    static final String MASK = "********";

    private final Map<String, String> env;
    private final Path defaultFile;
    private Path loadedPath;
    private ConfigFile loaded;

    /** As the worker runs: the process's environment and /etc/tether/worker.conf. */
    public ConfigLayers() {
        this(System.getenv(), DEFAULT_FILE);
    }

    ConfigLayers(Map<String, String> env, Path defaultFile) {
        this.env = env;
        this.defaultFile = defaultFile;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !layered(option)) {
            // --config itself may come from the environment, not from the file it names.
            return arg instanceof OptionSpec option && option.longestName().equals(CONFIG_OPTION)
                    ? env.get(envName(option)) : null;
        }
        // A repeatable option's values are filled by apply(): as a default, picocli takes one value.
        if (option.isMultiValue()) {
            return null;
        }
        List<String> values = values(option);
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /**
     * Checks the layers against the parsed command and completes it; call it before using the
     * command's values. Throws IllegalArgumentException, one line, for what the operator must fix.
     */
    void apply(CommandSpec spec) {
        ParseResult parsed = spec.commandLine().getParseResult();
        for (OptionSpec option : spec.options()) {
            if (secret(option) && parsed != null && parsed.hasMatchedOption(option)) {
                throw new IllegalArgumentException(option.longestName() + " on the command line is visible to every"
                        + " user in ps: give " + option.longestName() + "-file FILE, or " + envName(option));
            }
        }
        ConfigFile file = file(spec);
        if (file == null) {
            return;
        }
        if (file.problem != null) {
            throw new IllegalArgumentException(file.problem);
        }
        for (Map.Entry<String, Integer> key : file.lines.entrySet()) {
            OptionSpec option = spec.findOption("--" + key.getKey());
            if (option == null || !layered(option)) {
                throw new IllegalArgumentException(file.path + " line " + key.getValue() + ": '" + key.getKey()
                        + "' is not an option of tether " + spec.name());
            }
            if (secret(option) && readableByOthers(file.path)) {
                throw new IllegalArgumentException(file.path + " holds " + key.getKey() + " but others may read it:"
                        + " chmod 600 " + file.path + ", or give the password in " + key.getKey() + "-file");
            }
        }
        for (OptionSpec option : spec.options()) {
            if (option.isMultiValue() && layered(option) && (parsed == null || !parsed.hasMatchedOption(option))) {
                List<String> values = values(option);
                if (!values.isEmpty()) {
                    if (option.auxiliaryTypes()[0] != String.class) {
                        throw new IllegalStateException(option.longestName() + ": only repeatable String options are layered");
                    }
                    option.setValue(new ArrayList<>(values));
                }
            }
        }
    }

    /**
     * The value of {@code name} in the config file {@code path} (its last, for a repeated name);
     * empty when the file does not set it or cannot be read.
     */
    static Optional<String> fileValue(Path path, String name) {
        ConfigFile file = ConfigFile.read(path);
        List<String> values = file.values.getOrDefault(name, List.of());
        return file.problem != null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }

    /** The effective settings as a config file would give them, secrets masked. */
    void print(CommandSpec spec, PrintWriter out) {
        print(spec, out, Map.of());
    }

    /**
     * Like {@link #print(CommandSpec, PrintWriter)}, with the value the command works out for an
     * option no layer sets ({@code computed}, by name: the host id from the host name), so that
     * what is printed is what runs.
     */
    void print(CommandSpec spec, PrintWriter out, Map<String, String> computed) {
        ConfigFile file = file(spec);
        out.println("# tether " + spec.name() + ": " + (file == null ? "no config file" : file.path)
                + " < TETHER_* environment < command line");
        ParseResult parsed = spec.commandLine().getParseResult();
        for (OptionSpec option : spec.options()) {
            if (!layered(option)) {
                continue;
            }
            List<String> values;
            if (parsed != null && parsed.hasMatchedOption(option)) {
                values = parsed.matchedOption(option.longestName()).stringValues();
            } else if (option.isMultiValue()) {
                values = values(option);
            } else {
                String value = defaultValue(option);
                if (value == null && option.defaultValue() != null) {
                    value = option.defaultValueString(true);
                }
                // An unset variable in the option's own default (${env:X}) is no value.
                values = value == null || value.isEmpty() ? List.of() : List.of(value);
            }
            String name = key(option);
            if (values.isEmpty() && computed.containsKey(name)) {
                values = List.of(computed.get(name));
            }
            if (values.isEmpty()) {
                out.println("#" + name + " =");
            }
            for (String value : values) {
                out.println(name + " = " + (secret(option) ? MASK : value));
            }
        }
        out.flush();
    }

    /** The option's values from the environment if it names the option, else from the file. */
    private List<String> values(OptionSpec option) {
        String fromEnv = env.get(envName(option));
        if (fromEnv != null) {
            return option.isMultiValue()
                    ? Arrays.stream(fromEnv.trim().split("\\s+")).filter(v -> !v.isEmpty()).toList()
                    : List.of(fromEnv);
        }
        ConfigFile file = file(option.command());
        return file == null ? List.of() : file.values.getOrDefault(key(option), List.of());
    }

    private ConfigFile file(CommandSpec spec) {
        OptionSpec configOption = spec.findOption(CONFIG_OPTION);
        Object given = configOption == null ? null : configOption.getValue();
        String fromEnv = env.get("TETHER_CONFIG");
        Path path = given != null ? Path.of(given.toString()) : fromEnv != null ? Path.of(fromEnv) : null;
        if (path == null) {
            if (defaultFile == null || !Files.exists(defaultFile)) {
                return null;
            }
            path = defaultFile;
        }
        if (!path.equals(loadedPath)) {
            loaded = ConfigFile.read(path);
            loadedPath = path;
        }
        return loaded;
    }

    /** Options the layers set: not --help, --version, --config or --print-config. */
    private static boolean layered(OptionSpec option) {
        String name = option.longestName();
        return !option.usageHelp() && !option.versionHelp() && name.startsWith("--")
                && !name.equals(CONFIG_OPTION) && !name.equals(PRINT_OPTION);
    }

    /** A password given as itself, not as the file holding it. */
    static boolean secret(OptionSpec option) {
        String name = key(option);
        return name.contains("password") && !name.endsWith("-file");
    }

    static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    static String envName(OptionSpec option) {
        return "TETHER_" + key(option).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    private static boolean readableByOthers(Path path) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            return permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    /** One config file's values by name in file order, the line each name was last on, or why it cannot be used. */
    private record ConfigFile(Path path, Map<String, List<String>> values, Map<String, Integer> lines, String problem) {
        static ConfigFile read(Path path) {
            Map<String, List<String>> values = new LinkedHashMap<>();
            Map<String, Integer> lines = new LinkedHashMap<>();
            List<String> text;
            try {
                text = Files.readAllLines(path, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return new ConfigFile(path, values, lines, "config file " + path + " does not exist");
            } catch (IOException e) {
                return new ConfigFile(path, values, lines, "cannot read config file " + path + ": " + e);
            }
            for (int i = 0; i < text.size(); i++) {
                String line = text.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int equals = line.indexOf('=');
                String name = equals < 0 ? "" : line.substring(0, equals).strip();
                if (name.isEmpty()) {
                    return new ConfigFile(path, values, lines, path + " line " + (i + 1) + ": give name = value");
                }
                // No lambda here: JDK 17.0.15 crashed (SIGSEGV) linking this one from the packaged CLI's
                // class-data sharing archive, the first thing every command does.
                List<String> named = values.get(name);
                if (named == null) {
                    named = new ArrayList<>();
                    values.put(name, named);
                }
                named.add(line.substring(equals + 1).strip());
                lines.put(name, i + 1);
            }
            return new ConfigFile(path, values, lines, null);
        }
    }
}
