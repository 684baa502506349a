package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.ErrorCode;
import io.tether.api.Request;
import io.tether.api.RpcError;
import io.tether.sealing.SealingKey;
import io.tether.uri.UriParser;
import io.tether.worker.RequestCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directories a {@code file://} URI may name: the operator's, none by default; checked as the
 * URI writes them when a CID is managed (-32602 before anything is stored or run).
 */
class FileRootsTest {
    @TempDir
    Path tmp;

    @Test
    void noneByDefault() throws Exception {
        FileRoots.OutsideRoots e = assertThrows(FileRoots.OutsideRoots.class, () -> FileRoots.NONE.check(UriParser.parse("file:///srv/data")));
        assertEquals("file uri path /srv/data is outside the directories this host lets file:// URIs name (none); the"
                + " host's operator can allow a directory with --allow-file-root DIR", e.getMessage());
        FileRoots.NONE.check(UriParser.parse("nfs://server/export"));
    }

    @Test
    void aRootAllowsItselfAndWhatIsBelowIt() throws Exception {
        FileRoots roots = FileRoots.of(List.of("/srv/storage/"));
        roots.check(UriParser.parse("file:///srv/storage"));
        roots.check(UriParser.parse("file:///srv/storage/a/b"));
        for (String outside : List.of("file:///srv/storage-2", "file:///srv", "file:///srv/storage/../etc", "file:///root/.ssh")) {
            assertThrows(FileRoots.OutsideRoots.class, () -> roots.check(UriParser.parse(outside)), outside);
        }
    }

    /** A root given through a link allows what is below the link and what is below where it leads. */
    @Test
    void aRootIsAlsoItsRealPath() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        FileRoots roots = FileRoots.of(List.of(link.toString()));
        roots.check(UriParser.parse("file://" + link + "/d"));
        roots.check(UriParser.parse("file://" + real + "/d"));
        roots.checkReal(link.resolve("d"), real.resolve("d"));
        assertThrows(FileRoots.OutsideRoots.class, () -> roots.checkReal(link.resolve("d"), Path.of("/etc")));
    }

    @Test
    void theOperatorCannotAllowEverythingOrTheKernelsDirectories() {
        for (String bad : List.of("/", "relative/dir", "/proc", "/proc/self/root", "/sys/kernel", "/dev", "/dev/shm")) {
            assertThrows(IllegalArgumentException.class, () -> FileRoots.of(List.of(bad)), bad);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FileRoots.of(List.of("/dev/shm"))).getMessage()
                .endsWith("is under /dev, which file:// URIs never name"));
    }

    /** The request's check: refused with -32602 on field uri, naming the option that allows it. */
    @Test
    void aManageOutsideTheRootsIsInvalidParams() throws Exception {
        RequestCodec codec = new RequestCodec(MountPolicy.defaults(), FileRoots.of(List.of(tmp.toString())),
                SealingKey.open(tmp.resolve("sealing-key.jwk")));
        for (String uri : List.of("file:///root/.ssh", "file:///proc/self/root/etc", "file:///dev/../proc/1/root")) {
            Request request = codec.decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":"
                    + "{\"connectionId\":\"c\",\"uri\":\"" + uri + "\"}}");
            assertEquals(List.of(), request.actions(), uri);
            RpcError error = (RpcError) ((Request.Part.Answered) request.parts().get(0)).outcome();
            assertEquals(ErrorCode.INVALID_PARAMS, error.code());
            assertEquals("uri", error.data().get("field").asText());
        }
        Request allowed = codec.decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":"
                + "{\"connectionId\":\"c\",\"uri\":\"file://" + tmp.resolve("d") + "\"}}");
        assertEquals(1, allowed.actions().size());
    }
}
