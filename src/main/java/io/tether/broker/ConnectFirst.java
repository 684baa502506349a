package io.tether.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a STOMP connection's CONNECT (or STOMP) frame before the frames its client sent ahead of it,
 * then steps out of the connection's way. VDSM's engine client may send its SUBSCRIBE frames before
 * its CONNECT ({@link EngineStompProtocol}); STOMP, and Artemis, want CONNECT first. Frames before
 * CONNECT are held, {@value #MOST_HELD} bytes at most: a client that sends more without connecting
 * is cut off, so a connection that never logs in cannot fill the broker's memory.
 */
final class ConnectFirst extends ChannelInboundHandlerAdapter {
    static final String NAME = "tether-stomp-connect-first";
    /** Room for a handful of SUBSCRIBE frames; an engine sends two at most before its CONNECT. */
    static final int MOST_HELD = 64 * 1024;

    private final List<ByteBuf> early = new ArrayList<>();
    private ByteBuf pending;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (!(message instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(message);
            return;
        }
        pending = pending == null ? bytes : ctx.alloc().compositeBuffer().addComponents(true, pending, bytes);
        while (true) {
            skipEndOfLines(pending);
            int end = pending.indexOf(pending.readerIndex(), pending.writerIndex(), (byte) 0);
            if (end < 0) {
                if (heldBytes() + pending.readableBytes() > MOST_HELD) {
                    release();
                    ctx.close();
                }
                return;
            }
            ByteBuf frame = pending.readRetainedSlice(end + 1 - pending.readerIndex());
            if (opensConnection(frame)) {
                CompositeByteBuf ordered = ctx.alloc().compositeBuffer().addComponent(true, frame);
                early.forEach(held -> ordered.addComponent(true, held));
                early.clear();
                ordered.addComponent(true, pending);
                pending = null;
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(ordered);
                return;
            }
            early.add(frame);
        }
    }

    private static void skipEndOfLines(ByteBuf bytes) {
        while (bytes.isReadable() && (bytes.getByte(bytes.readerIndex()) == '\n' || bytes.getByte(bytes.readerIndex()) == '\r')) {
            bytes.skipBytes(1);
        }
    }

    private static boolean opensConnection(ByteBuf frame) {
        String command = frame.toString(frame.readerIndex(), Math.min(frame.readableBytes(), 8), StandardCharsets.US_ASCII);
        return command.startsWith("CONNECT") || command.startsWith("STOMP");
    }

    private int heldBytes() {
        return early.stream().mapToInt(ByteBuf::readableBytes).sum();
    }

    private void release() {
        early.forEach(ByteBuf::release);
        early.clear();
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }
}
