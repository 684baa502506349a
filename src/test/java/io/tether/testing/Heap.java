package io.tether.testing;

import java.lang.management.ManagementFactory;

/** The live heap of this JVM: what is left in use after full collections. */
public final class Heap {
    private Heap() {
    }

    /** Bytes in use after a few full GCs (the least seen, as a collection can land mid-allocation). */
    public static long live() {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
