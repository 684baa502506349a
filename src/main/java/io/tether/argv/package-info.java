/**
 * The parts of a host program's argument list, each a small type that checks its grammar when it is
 * made, so that nothing unchecked can reach {@code mount}, {@code iscsiadm} or any other program
 * Tether runs ({@link io.tether.argv.Arg}). The URI parser makes the same parts when a URI arrives
 * (an invalid one is refused, naming its part), and the connectors make them again when they build
 * a command. docs/connectors.md, "What reaches a host program", has the grammar of each part.
 */
package io.tether.argv;
