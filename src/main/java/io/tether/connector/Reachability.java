package io.tether.connector;

import io.tether.uri.IpLiteral;
import io.tether.uri.ServerCheck;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Asks a storage server whether it is there before mounting, so that "server unreachable" and
 * "mount failed" are told apart: a TCP connect for any server, and for NFS a real NULL call
 * (ONC RPC, RFC 5531) that only an NFS server answers.
 */
public final class Reachability {
    private static final int NFS_PROGRAM = 100003;

    private Reachability() {
    }

    /**
     * Runs {@code check}, the one a URI's scheme chose; {@code tcpError} is the code of a failed TCP
     * check (an NFS server that does not answer is always a connection error).
     */
    public static void check(ServerCheck check, Duration timeout, VdsmError tcpError) throws ConnectorException {
        if (check instanceof ServerCheck.NfsNull nfs) {
            nfsNull(nfs.host(), nfs.port(), nfs.version(), timeout);
        } else if (check instanceof ServerCheck.Tcp tcp) {
            tcp(tcp.what(), tcp.host(), tcp.port(), timeout, tcpError);
        }
    }

    /** Opens and closes a TCP connection to host:port; {@code error} is the code of the failure. */
    public static void tcp(String what, String host, int port, Duration timeout, VdsmError error) throws ConnectorException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(unbracket(host), port), (int) timeout.toMillis());
        } catch (IOException e) {
            ConnectorException unreachable = unreachable(what + " " + host + ":" + port, e);
            throw new ConnectorException(error, unreachable.getMessage());
        }
    }

    /** Sends the NFS NULL procedure of {@code version} over TCP and expects an accepted, successful reply. */
    public static void nfsNull(String host, int port, int version, Duration timeout) throws ConnectorException {
        String who = "NFS server " + host + ":" + port;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(unbracket(host), port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            int xid = ThreadLocalRandom.current().nextInt();
            ByteBuffer call = ByteBuffer.allocate(44);
            call.putInt(0x80000000 | 40);                 // record mark: last fragment, 40 bytes
            call.putInt(xid).putInt(0).putInt(2);           // xid, CALL, RPC version 2
            call.putInt(NFS_PROGRAM).putInt(version).putInt(0); // program, version, procedure NULL
            call.putInt(0).putInt(0).putInt(0).putInt(0);   // credential and verifier: AUTH_NONE
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.write(call.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            in.readInt();                                   // record mark
            if (in.readInt() != xid || in.readInt() != 1) {
                throw new ConnectorException(VdsmError.StorageServerConnectionError, who + " answered, but not as ONC RPC");
            }
            if (in.readInt() != 0) {
                throw new ConnectorException(VdsmError.StorageServerConnectionError, who + " denied the NFS NULL call");
            }
            in.readInt();                                   // verifier flavor
            in.skipNBytes(in.readInt());                    // verifier body
            int accept = in.readInt();
            if (accept == 2) {
                throw new ConnectorException(VdsmError.StorageServerConnectionError, who + " does not serve NFS version " + version);
            }
            if (accept != 0) {
                throw new ConnectorException(VdsmError.StorageServerConnectionError, who + " refused the NFS NULL call (accept_stat " + accept + ")");
            }
        } catch (IOException e) {
            throw unreachable(who, e);
        }
    }

    private static ConnectorException unreachable(String who, IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ConnectorException(VdsmError.StorageServerConnectionError, who + " is unreachable: " + why);
    }

    /**
     * The address {@code host} (a URI's host: a name, an IPv4 address or a bracketed IPv6 one)
     * resolves to, as {@link IpLiteral} writes it ({@code 192.0.2.10}, {@code fe80::1}), so that it
     * compares equal to the same address printed by another tool; {@code host} without brackets when
     * it does not resolve. A literal is converted, not looked up.
     */
    static String address(String host) {
        try {
            return IpLiteral.format(InetAddress.getByName(unbracket(host)).getAddress());
        } catch (UnknownHostException e) {
            return unbracket(host);
        }
    }

    /** A URI writes an IPv6 address in brackets ({@code [fe80::1]}); sockets and resolvers take it without. */
    private static String unbracket(String host) {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }
}
