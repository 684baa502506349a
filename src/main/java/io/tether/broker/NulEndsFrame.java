package io.tether.broker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Ends each STOMP frame the broker sends at its NUL, as VDSM does. Artemis follows each frame's NUL
 * with an end-of-line, which STOMP 1.2 allows, but VDSM's engine client (oVirt's vdsm-jsonrpc-java)
 * reads a frame with no body up to the end of what it received and fails on the line after the
 * NUL, so it never sees CONNECTED. Heart-beats (an end-of-line alone) pass as they are.
 */
final class NulEndsFrame extends ChannelOutboundHandlerAdapter {
    static final String NAME = "tether-stomp-nul-ends-frame";

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        if (message instanceof ByteBuf frame && frame.readableBytes() >= 2
                && frame.getByte(frame.writerIndex() - 1) == '\n' && frame.getByte(frame.writerIndex() - 2) == 0) {
            frame.writerIndex(frame.writerIndex() - 1);
        }
        ctx.write(message, promise);
    }
}
