package io.tether.console;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sends the fleet's updates to every open page as Server-Sent Events, on one thread of its own,
 * in the order {@link FleetState} made them. Whatever queued while it was writing goes out as one
 * event (a JSON array), so a burst of events costs a few writes, not one each. A page that joins
 * first gets the whole fleet ({@code fleet}), then the updates made after it.
 */
final class Broadcaster implements Consumer<ObjectNode>, AutoCloseable {
    /** Sent when nothing else was, so a closed page is noticed and proxies keep the stream open. */
    static final long PING_MILLIS = 15_000;

    /** One page's stream, as the HTTP server gives it. */
    interface Page {
        /** Sends one event; false once the page has gone. */
        boolean send(String event, String data);
    }

    private record Join(Page page, ObjectNode fleet) {
    }

    private record Leave(Page page) {
    }

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final List<Page> pages = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    Broadcaster() {
        thread = new Thread(this::run, "tether-console-sse");
        thread.setDaemon(true);
        thread.start();
    }

    /** An update from the fleet state (called under its lock: only queues it). */
    @Override
    public void accept(ObjectNode update) {
        queue.add(update);
    }

    /** A page that opened its stream: {@code fleet} is the state its updates follow. */
    void join(Page page, ObjectNode fleet) {
        queue.add(new Join(page, fleet));
    }

    void leave(Page page) {
        queue.add(new Leave(page));
    }

    private void run() {
        List<Object> taken = new ArrayList<>();
        while (running) {
            try {
                Object first = queue.poll(PING_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    sendAll("ping", "{}");
                    continue;
                }
                taken.clear();
                taken.add(first);
                queue.drainTo(taken);
                StringBuilder batch = new StringBuilder("[");
                for (Object item : taken) {
                    if (item instanceof ObjectNode update) {
                        if (batch.length() > 1) {
                            batch.append(',');
                        }
                        batch.append(JsonRpc.write(update));
                    } else {
                        // What came before a join is in its snapshot: the others get it first.
                        flush(batch);
                        if (item instanceof Join join) {
                            if (join.page().send("fleet", JsonRpc.write(join.fleet()))) {
                                pages.add(join.page());
                            }
                        } else if (item instanceof Leave leave) {
                            pages.remove(leave.page());
                        }
                    }
                }
                flush(batch);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // An update that cannot be written must not end the stream of the others.
            }
        }
    }

    private void flush(StringBuilder batch) {
        if (batch.length() > 1) {
            sendAll("update", batch.append(']').toString());
        }
        batch.setLength(0);
        batch.append('[');
    }

    private void sendAll(String event, String data) {
        pages.removeIf(page -> !page.send(event, data));
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
