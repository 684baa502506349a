package io.tether.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) without libsystemd: one datagram to the Unix socket systemd names in
 * {@code $NOTIFY_SOCKET}, so a {@code Type=notify} unit is started only once the worker consumes
 * requests. Java 17's Unix-domain sockets are stream channels only, and systemd reads datagrams, so
 * the C library's socket and sendto are called through JNA (as {@link OwnerOnlyFiles} does umask).
 * Without {@code $NOTIFY_SOCKET} (not under systemd) it does nothing.
 */
final class SystemdNotify {
    private interface C extends Library {
        int socket(int domain, int type, int protocol);

        NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength);

        int close(int fd);
    }

    private static final short AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    /** sizeof(sockaddr_un.sun_path) on Linux. */
    private static final int PATH_MAX = 108;

    private SystemdNotify() {
    }

    /** Sends {@code state} (e.g. {@code READY=1}); false if there is no socket to send it to. */
    static boolean send(String state) {
        return send(System.getenv("NOTIFY_SOCKET"), state);
    }

    static boolean send(String socketPath, String state) {
        if (socketPath == null || socketPath.isEmpty()) {
            return false;
        }
        byte[] address = socketAddress(socketPath);
        C c = Native.load("c", C.class);
        int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("cannot open a socket for $NOTIFY_SOCKET: errno " + Native.getLastError());
        }
        try {
            byte[] message = state.getBytes(StandardCharsets.UTF_8);
            long sent = c.sendto(fd, message, new NativeLong(message.length), 0, address, address.length).longValue();
            if (sent != message.length) {
                throw new IllegalStateException("cannot notify systemd at " + socketPath + ": errno " + Native.getLastError());
            }
            return true;
        } finally {
            c.close(fd);
        }
    }

    /** A sockaddr_un; a path starting with '@' is in the abstract namespace (a leading NUL, no trailing one). */
    static byte[] socketAddress(String socketPath) {
        boolean abstractName = socketPath.startsWith("@");
        byte[] path = socketPath.getBytes(StandardCharsets.UTF_8);
        if (path.length >= PATH_MAX) {
            throw new IllegalArgumentException("$NOTIFY_SOCKET is longer than a Unix socket path may be: " + socketPath);
        }
        ByteBuffer address = ByteBuffer.allocate(2 + path.length + (abstractName ? 0 : 1)).order(ByteOrder.nativeOrder());
        address.putShort(AF_UNIX);
        address.put(path);
        byte[] bytes = address.array();
        if (abstractName) {
            bytes[2] = 0;
        }
        return bytes;
    }
}
