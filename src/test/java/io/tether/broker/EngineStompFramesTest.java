package io.tether.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How the VDSM STOMP acceptor orders a connection's first frames and ends the frames it sends. */
class EngineStompFramesTest {
    private static final String SUBSCRIBE = "SUBSCRIBE\ndestination:jms.topic.vdsm_responses\nack:auto\nid:1\n\n\0";
    private static final String CONNECT = "CONNECT\naccept-version:1.2\nhost:engine\nheart-beat:0,5000\n\n\0";
    private static final String SEND = "SEND\ndestination:jms.topic.vdsm_requests\ncontent-length:2\n\n{}\0";

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static String readAll(EmbeddedChannel channel) {
        StringBuilder read = new StringBuilder();
        for (ByteBuf in = channel.readInbound(); in != null; in = channel.readInbound()) {
            read.append(in.toString(StandardCharsets.UTF_8));
            in.release();
        }
        return read.toString();
    }

    @Test
    void subscribesSentBeforeConnectComeAfterIt() {
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectFirst());
        channel.writeInbound(bytes(SUBSCRIBE + "\n" + SUBSCRIBE.replace("id:1", "id:2")));
        assertEquals("", readAll(channel), "held until CONNECT");
        channel.writeInbound(bytes(CONNECT.substring(0, 10)));
        channel.writeInbound(bytes(CONNECT.substring(10) + SEND.substring(0, 6)));
        assertEquals(CONNECT + SUBSCRIBE + SUBSCRIBE.replace("id:1", "id:2") + SEND.substring(0, 6), readAll(channel));
        channel.writeInbound(bytes(SEND.substring(6)));
        assertEquals(SEND.substring(6), readAll(channel), "passed as it comes once connected");
        assertNull(channel.pipeline().get(ConnectFirst.class));
        assertFalse(channel.finish());
    }

    @Test
    void aConnectionThatOpensWithConnectPassesAsItCame() {
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectFirst());
        channel.writeInbound(bytes(CONNECT + SUBSCRIBE));
        assertEquals(CONNECT + SUBSCRIBE, readAll(channel));
    }

    @Test
    void aClientThatNeverConnectsIsCutOff() {
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectFirst());
        String frame = SUBSCRIBE.replace("id:1", "id:" + "x".repeat(1000));
        for (int i = 0; i * frame.length() <= ConnectFirst.MOST_HELD && channel.isOpen(); i++) {
            channel.writeInbound(bytes(frame));
        }
        assertFalse(channel.isOpen());
    }

    @Test
    void framesEndAtTheirNulAndHeartBeatsStay() {
        EmbeddedChannel channel = new EmbeddedChannel(new NulEndsFrame());
        channel.writeOutbound(bytes("CONNECTED\nversion:1.2\n\n\0\n"), bytes("\n"));
        ByteBuf frame = channel.readOutbound();
        assertEquals("CONNECTED\nversion:1.2\n\n\0", frame.toString(StandardCharsets.UTF_8));
        frame.release();
        ByteBuf beat = channel.readOutbound();
        assertEquals("\n", beat.toString(StandardCharsets.UTF_8));
        beat.release();
    }

    @Test
    void aConnectionIsStompWhicheverClientFrameItOpensWith() {
        EngineStompManager manager = new EngineStompManager(null);
        for (String start : new String[] {"CONNECT\n", "STOMP\nac", "SUBSCRIB", "SEND\ndes", "\nCONNECT"}) {
            assertTrue(manager.isProtocol(start.getBytes(StandardCharsets.US_ASCII)), start);
        }
        for (String start : new String[] {"AMQP\0\1\0\0", "GET / HT", "\0\0\0\0\0\0\0\0"}) {
            assertFalse(manager.isProtocol(start.getBytes(StandardCharsets.US_ASCII)), start);
        }
    }
}
