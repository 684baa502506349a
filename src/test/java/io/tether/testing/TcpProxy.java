package io.tether.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on a loopback port to another one, whose link the test can cut (every connection
 * closed, new ones refused) and restore: a network outage between a worker and its broker.
 */
public final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile boolean closed;

    public TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.port = TestWorker.freePort();
        restore();
    }

    /** The port to connect to instead of the target's. */
    public int port() {
        return port;
    }

    /** Closes every forwarded connection and refuses new ones until {@link #restore()}. */
    public void cut() throws IOException {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            s.close();
        }
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    /** Accepts and forwards connections again. */
    public void restore() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        Thread accept = new Thread(() -> {
            while (!closed && server == s) {
                try {
                    Socket client = s.accept();
                    Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    open.add(client);
                    open.add(target);
                    pump(client, target);
                    pump(target, client);
                } catch (IOException e) {
                    return; // cut or closed
                }
            }
        }, "tcp-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // The link was cut, or one side left.
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // Closing what is already gone.
                }
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        cut();
    }
}
