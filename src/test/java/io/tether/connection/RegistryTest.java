package io.tether.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tether.uri.InvalidUriException;
import io.tether.uri.StorageType;
import io.tether.uri.StorageUri;
import io.tether.uri.UriParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The in-memory view of managed CIDs and the host connections they hold: CIDs of one key share one
 * connection, which takes the settings of the first CID and keeps them while any CID holds it, and
 * outlives its last CID until it is forgotten.
 */
class RegistryTest {
    private static final Instant FIRST = Instant.parse("2024-05-01T10:00:00Z");
    private static final Instant LATER = Instant.parse("2024-05-01T10:05:00Z");

    private static final StorageUri V3 = uri("nfs://server/export?version=3");
    private static final StorageUri V4 = uri("nfs://server/export?version=4.1");
    private static final StorageUri OTHER = uri("nfs://other/export");

    private final Registry registry = new Registry();

    private static StorageUri uri(String raw) {
        try {
            return UriParser.parse(raw);
        } catch (InvalidUriException e) {
            throw new IllegalArgumentException(raw, e);
        }
    }

    private HostConnection add(String cid, StorageUri uri, Instant at) {
        return registry.add(new ManagedCid(cid, uri, at), at);
    }

    @Test
    void cidsOfOneKeyShareOneConnectionCreatedConnecting() {
        HostConnection first = add("a-1", V3, FIRST);
        HostConnection second = add("a-2", V3, LATER);
        HostConnection other = add("b-1", OTHER, LATER);

        assertSame(first, second, "one connection per key, not per CID");
        assertSame(first, registry.connection(V3.key()));
        assertEquals(new TreeSet<>(Set.of("a-1", "a-2")), first.cids());
        assertEquals(ConnectionState.CONNECTING, first.state());
        assertEquals(FIRST, first.since(), "created when its first CID came");
        assertEquals(V3.key(), first.key());
        assertEquals(Set.of(first, other), Set.copyOf(registry.connections()));
        assertEquals(3, registry.size(), "size counts CIDs");
    }

    @Test
    void aCidIsFoundWithItsUriAndTime() {
        add("a-1", V3, FIRST);

        ManagedCid found = registry.cid("a-1").orElseThrow();
        assertEquals(new ManagedCid("a-1", V3, FIRST), found);
        assertEquals(Optional.empty(), registry.cid("a-2"));
        assertNull(registry.connection(OTHER.key()));
    }

    @Test
    void aConnectionKeepsTheFirstCidsSettingsWhileACidHoldsIt() {
        HostConnection connection = add("a-1", V3, FIRST);
        add("a-2", V4, LATER);

        assertEquals(V3, connection.uri(), "a second CID does not change a held connection's settings");
        assertEquals(V4, registry.cid("a-2").orElseThrow().uri(), "the CID keeps its own URI all the same");
    }

    @Test
    void aConnectionWithoutCidsTakesTheSettingsOfTheNextCid() {
        HostConnection connection = add("a-1", V3, FIRST);
        registry.remove("a-1");
        add("a-2", V4, LATER);

        assertEquals(V4, connection.uri());
    }

    /** CIDs of one connection usually carry the same URI: the registry keeps one copy of it. */
    @Test
    void cidsWithEqualUrisShareTheConnectionsCopy() {
        HostConnection connection = add("a-1", V3, FIRST);
        StorageUri equalCopy = uri("nfs://server/export?version=3");
        assertNotSame(V3, equalCopy);

        add("a-2", equalCopy, LATER);

        assertSame(connection.uri(), registry.cid("a-2").orElseThrow().uri());
    }

    @Test
    void removingTheLastCidKeepsTheConnectionAsAnOrphanUntilForgotten() {
        HostConnection connection = add("a-1", V3, FIRST);
        add("a-2", V3, FIRST);
        add("b-1", OTHER, FIRST);

        assertSame(connection, registry.remove("a-1"));
        assertEquals(Set.of("a-2"), connection.cids());
        assertEquals(List.of(), registry.unheld());
        registry.forget(V3.key());
        assertSame(connection, registry.connection(V3.key()), "a connection that a CID holds is not forgotten");

        assertSame(connection, registry.remove("a-2"));
        assertEquals(Optional.empty(), registry.cid("a-2"));
        assertEquals(1, registry.size());
        assertEquals(List.of(connection), registry.unheld(), "still there, to be disconnected");

        registry.forget(V3.key());
        assertNull(registry.connection(V3.key()));
        assertEquals(List.of(), registry.unheld());
        registry.forget(V3.key());
    }

    /** The undo of a manage that failed: a connection without CIDs gets its old settings back. */
    @Test
    void restoreSettingsUndoesTheNewSettingsOfAConnectionWithoutCids() {
        HostConnection connection = add("a-1", V3, FIRST);
        registry.remove("a-1");
        add("a-2", V4, LATER);
        registry.remove("a-2");

        registry.restoreSettings(V3.key(), V3);
        assertEquals(V3, connection.uri());
        registry.restoreSettings(OTHER.key(), OTHER);
        assertNull(registry.connection(OTHER.key()), "restoring a connection that is gone makes none");
    }

    @Test
    void restoreSettingsLeavesAConnectionThatACidHolds() {
        HostConnection connection = add("a-1", V3, FIRST);

        registry.restoreSettings(V3.key(), V4);

        assertEquals(V3, connection.uri());
    }

    @Test
    void withPrefixListsTheCidsStartingWithItInCidOrder() {
        for (String cid : List.of("vm-2", "vm-10", "vm-1", "vmx", "host-1")) {
            add(cid, V3, FIRST);
        }

        assertEquals(List.of("vm-1", "vm-10", "vm-2"), cids(registry.withPrefix("vm-")));
        assertEquals(List.of("vm-1", "vm-10"), cids(registry.withPrefix("vm-1")));
        assertEquals(List.of(), cids(registry.withPrefix("zz")));
        assertEquals(List.of("host-1", "vm-1", "vm-10", "vm-2", "vmx"), cids(registry.withPrefix(null)), "null: all");
        assertEquals(List.of("host-1", "vm-1", "vm-10", "vm-2", "vmx"), cids(registry.withPrefix("")));
    }

    /** Whatever follows the prefix, U+FFFF (the highest UTF-16 unit) and surrogate pairs too. */
    @Test
    void withPrefixMatchesEveryCidThatStartsWithItWhateverFollows() {
        for (String cid : List.of("flow7", "flow7\uffff", "flow7\uffffiso", "flow7\udbff\udfff", "flow7a", "flow8", "flow6\uffff")) {
            add(cid, V3, FIRST);
        }

        assertEquals(List.of("flow7", "flow7a", "flow7\udbff\udfff", "flow7\uffff", "flow7\uffffiso"),
                cids(registry.withPrefix("flow7")));
        assertEquals(List.of("flow7\uffff", "flow7\uffffiso"), cids(registry.withPrefix("flow7\uffff")));
    }

    @Test
    void strandedCidsCountAsManagedAndAreFoundByCidAndPrefix() {
        add("vm-1", V3, FIRST);
        LastError why = new LastError(4101, "UNSUPPORTED_URI", "refused", FIRST);
        StrandedCid zone = new StrandedCid("vm-2", "nfs://[fe80::1%lo]/x", FIRST, why);
        StrandedCid other = new StrandedCid("zz-1", "weird://x", FIRST, why);
        registry.strand(zone);
        registry.strand(other);

        assertEquals(3, registry.size(), "stranded CIDs are managed CIDs");
        assertEquals(Optional.of(zone), registry.stranded("vm-2"));
        assertEquals(Optional.empty(), registry.cid("vm-2"), "holding no connection");
        assertEquals(List.of(zone), List.copyOf(registry.strandedWithPrefix("vm-")));
        assertEquals(List.of(zone, other), List.copyOf(registry.strandedWithPrefix(null)));
        assertEquals(Optional.of(StorageType.NFS), zone.type());
        assertEquals(Optional.empty(), other.type());
        assertEquals(Optional.empty(), new StrandedCid("k", "no-scheme", FIRST, why).type());

        registry.unstrand("vm-2");
        assertEquals(Optional.empty(), registry.stranded("vm-2"));
        assertEquals(2, registry.size());
    }

    @Test
    void listedWalksServedAndStrandedCidsTogetherInCidOrderFromACursor() {
        for (String cid : List.of("a-1", "a-3", "b-1", "b\uffff")) {
            add(cid, V3, FIRST);
        }
        LastError why = new LastError(4101, "UNSUPPORTED_URI", "refused", FIRST);
        registry.strand(new StrandedCid("a-2", "nfs://[fe80::1%lo]/x", FIRST, why));
        registry.strand(new StrandedCid("b-0", "nfs://[fe80::1%lo]/x", FIRST, why));

        assertEquals(List.of("a-1", "a-2", "a-3", "b-0", "b-1", "b\uffff"), listed(null, null));
        assertEquals(List.of("a-3", "b-0", "b-1", "b\uffff"), listed(null, "a-2"), "strictly after the cursor");
        assertEquals(List.of("a-3", "b-0", "b-1", "b\uffff"), listed(null, "a-20"), "a cursor that is no CID");
        assertEquals(List.of("b-0", "b-1"), listed("b-", null));
        assertEquals(List.of("b-1"), listed("b-", "b-0"));
        assertEquals(List.of("a-1", "a-2", "a-3"), listed("a", "A"), "a cursor before the prefix starts at it");
        assertEquals(List.of(), listed("a", "a-3"));
        assertEquals(List.of("b\uffff"), listed("b", "b-1"), "whatever character follows the prefix");
        Registry.Listed stranded = registry.listed("a-2", null).next();
        assertEquals("a-2", stranded.stranded().cid());
        assertNull(stranded.served());
    }

    private List<String> listed(String prefix, String after) {
        List<String> cids = new ArrayList<>();
        registry.listed(prefix, after).forEachRemaining(l -> cids.add(l.cid()));
        return cids;
    }

    @Test
    void aConnectionNoCidHoldsIsAddedToBeDisconnectedUnlessOneIs() {
        HostConnection unheld = registry.addUnheld(V3, FIRST);
        assertEquals(Set.of(), unheld.cids());
        assertEquals(List.of(unheld), registry.unheld());
        assertSame(unheld, registry.addUnheld(V4, LATER), "one per key");
        assertEquals(V3, unheld.uri());
    }

    private static List<String> cids(Collection<ManagedCid> managed) {
        return managed.stream().map(ManagedCid::cid).toList();
    }
}
