package io.tether.testing.servers;

import io.tether.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;

/** NFS-Ganesha serving one NFSv4 export on 127.0.0.1:2049 (no rpcbind, no UDP). */
public final class GaneshaServer implements AutoCloseable {
    private final Path dir;
    private Process ganesha;

    public GaneshaServer(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        Files.createDirectories(dir.resolve("export"));
        Files.writeString(dir.resolve("ganesha.conf"), """
                NFS_CORE_PARAM { Protocols = 4; Enable_UDP = false; Bind_addr = 127.0.0.1; NFS_Port = 2049;
                                 Enable_NLM = false; Enable_RQUOTA = false; }
                NFSV4 { Graceless = true; }
                EXPORT { Export_Id = 1; Path = %s; Pseudo = /export; Protocols = 4; Transports = TCP;
                         Access_Type = RW; Squash = No_Root_Squash; FSAL { Name = VFS; } }
                """.formatted(dir.resolve("export")));
        start();
    }

    public void start() throws Exception {
        Host.run(10, "pkill", "-x", "ganesha.nfsd");
        // -F: stay in the foreground, so this process is the server and can be stopped for sure.
        ganesha = Host.spawn(dir.resolve("ganesha.out"), "ganesha.nfsd", "-F", "-f", dir.resolve("ganesha.conf").toString(),
                "-L", dir.resolve("ganesha.log").toString(), "-p", dir.resolve("ganesha.pid").toString(), "-N", "NIV_EVENT");
        for (int i = 0; i < 100; i++) {
            if (Host.run(5, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2049").exit() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("ganesha did not listen on 2049: " + Files.readString(dir.resolve("ganesha.out")));
    }

    public void stop() throws InterruptedException {
        ganesha.destroyForcibly();
        ganesha.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
