package io.tether.argv;

/**
 * One element of a host program's argument list, and the only thing
 * {@link io.tether.connector.Command} takes as one. Each kind is a small type that checks its text
 * against its grammar when it is made (docs/connectors.md, "What reaches a host program"), so a
 * string that has not been checked cannot become an argument: fixed words are {@link Word}s, and
 * every part that comes from a URI, the host or the operator is one of the records here.
 */
public sealed interface Arg permits Word, Joined, VfsType, MountOptions, MountSource, LocalPath, DirectoryItself, Iqn, IscsiIface,
        Portal, SessionId, ChapName, ChapSecret, IscsiUrl, UnitName,
        Nqn, HostId, ControllerName, Address, Decimal {

    /** The argument as the program gets it. */
    String text();

    /** The argument as a log line or an error message shows it: a secret as {@code ***}. */
    default String shown() {
        return text();
    }
}
