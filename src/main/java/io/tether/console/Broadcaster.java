package io.tether.console;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.JsonRpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the fleet's updates to every open page as Server-Sent Events, in the order
 * {@link FleetState} made them. A page that joins gets the whole fleet first ({@code fleet}), then
 * the updates made after it ({@code update}: a JSON array).
 *
 * <p>Each page has a queue and a thread of its own, so a page that reads slowly holds up no other:
 * an update is only queued for every page, never written under the caller's lock. What queued while
 * a page's thread was writing goes out as one event, so a burst costs a few writes. A page that
 * falls behind by more than {@link #MAX_QUEUED} updates, or {@link #MAX_QUEUED_CHARS} of them, is
 * dropped: its connection is closed, and the browser opens the stream again and starts over from
 * the whole fleet. So the memory a page holds is bounded, and whatever happens on one page's thread
 * (an exception, an Error) ends that page alone. At most {@link #MAX_PAGES} pages are open at once.
 */
final class Broadcaster implements Consumer<ObjectNode>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broadcaster.class);

    /** Sent when nothing else was, so a closed page is noticed and proxies keep the stream open. */
    static final long PING_MILLIS = 15_000;
    /** Pages open at once: each holds a thread and up to its queue's bound. */
    static final int MAX_PAGES = 64;
    /** Updates queued for one page; one more and the page is dropped. */
    static final int MAX_QUEUED = 5_000;
    /** Characters of updates queued for one page; more and the page is dropped. */
    static final long MAX_QUEUED_CHARS = 4L << 20;

    /** One page's stream, as the HTTP server gives it. */
    interface Page {
        /** Sends one event; false once the page has gone. May block while the page does not read. */
        boolean send(String event, String data);

        /** Closes the page's connection at once, also while a {@link #send} is blocked on it. */
        void abort();
    }

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threads = new AtomicInteger();
    /** The most updates ever queued for one page: bounded by {@link #MAX_QUEUED}. */
    private final AtomicInteger mostQueued = new AtomicInteger();
    private volatile boolean closed;

    /** An update from the fleet state (called under its lock): queued for every page, never blocks, never throws. */
    @Override
    public void accept(ObjectNode update) {
        String json;
        try {
            json = JsonRpc.write(update);
        } catch (RuntimeException e) {
            // Every page would miss it: each starts over from the whole fleet instead.
            LOG.warn("console: an update could not be written ({}); every page starts over", e.toString());
            streams.forEach(Stream::drop);
            return;
        }
        for (Stream stream : streams) {
            stream.offer(json);
        }
    }

    /** Whether another page may open now. */
    boolean full() {
        return streams.size() >= MAX_PAGES;
    }

    /**
     * A page that opened its stream. {@code join} must be called with the fleet under the state's
     * lock ({@link FleetState#join}), so the page gets exactly the updates made after it. Null when
     * {@link #MAX_PAGES} pages are open already, or the broadcaster is closed.
     */
    Stream open(Page page) {
        if (closed || full()) {
            return null;
        }
        return new Stream(page);
    }

    /** The most updates that were ever queued for one page at once. */
    int mostQueued() {
        return mostQueued.get();
    }

    /** Pages open now. */
    int pages() {
        return streams.size();
    }

    @Override
    public void close() {
        closed = true;
        streams.forEach(Stream::close);
    }

    /** One page: its queue of updates and the thread that writes them. */
    final class Stream {
        private final Page page;
        private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicLong queuedChars = new AtomicLong();
        private volatile boolean open = true;
        private volatile Thread thread;

        private Stream(Page page) {
            this.page = page;
        }

        /** Starts the page with {@code fleet}; called under the state's lock, before any update for it. */
        void join(ObjectNode fleet) {
            if (!open || closed) {
                return;
            }
            streams.add(this);
            thread = new Thread(() -> run(fleet), "tether-console-page-" + threads.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        }

        private void offer(String update) {
            if (!open) {
                return;
            }
            int count = queued.incrementAndGet();
            if (count > MAX_QUEUED || queuedChars.addAndGet(update.length()) > MAX_QUEUED_CHARS) {
                drop();
                return;
            }
            mostQueued.accumulateAndGet(count, Math::max);
            queue.add(update);
        }

        private void run(ObjectNode fleet) {
            List<String> taken = new ArrayList<>();
            try {
                if (!page.send("fleet", JsonRpc.write(fleet))) {
                    return;
                }
                while (open) {
                    String first = queue.poll(PING_MILLIS, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (!page.send("ping", "{}")) {
                            return;
                        }
                        continue;
                    }
                    taken.clear();
                    taken.add(first);
                    queue.drainTo(taken);
                    StringBuilder batch = new StringBuilder("[");
                    long chars = 0;
                    for (String update : taken) {
                        if (batch.length() > 1) {
                            batch.append(',');
                        }
                        batch.append(update);
                        chars += update.length();
                    }
                    queued.addAndGet(-taken.size());
                    queuedChars.addAndGet(-chars);
                    if (!page.send("update", batch.append(']').toString())) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // Dropped or closed: the page's end follows.
            } catch (Throwable e) {
                // This page's trouble, even an Error, ends this page alone (a console stopping ends them all, quietly).
                if (open && !closed) {
                    LOG.warn("console: a page's stream failed ({}); it was closed", e.toString());
                }
                abortQuietly();
            } finally {
                close();
            }
        }

        /** The page fell behind: it is closed at once and starts over when the browser reconnects. */
        void drop() {
            if (open) {
                LOG.info("console: a page fell {} updates behind; it was closed and starts over from the whole fleet",
                        queued.get());
                abortQuietly();
                close();
            }
        }

        private void abortQuietly() {
            try {
                page.abort();
            } catch (RuntimeException e) {
                // Closed already, or closing: either way the page is gone.
            }
        }

        /** The page has gone (or the console stops): nothing more is queued or sent for it. */
        void close() {
            open = false;
            streams.remove(this);
            queue.clear();
            Thread writer = thread;
            if (writer != null && writer != Thread.currentThread()) {
                writer.interrupt();
            }
        }
    }
}
