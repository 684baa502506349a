package io.tether.testing;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class that uses something this machine has only one of, such as a storage server on its
 * fixed port (NFS-Ganesha on 2049, tgtd on 3260) or the one glusterd: while it runs, no other test
 * class naming the same resource runs, in this JVM or another. The integration tests run in two
 * JVMs at once (the pom's failsafe forks); each such class holds an exclusive lock on a file named
 * after the resource in the temporary directory until it ends, and the other waits for it. Its
 * {@code @Nested} classes run under that lock.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HostResource.Lock.class)
public @interface HostResource {

    /** The resource, e.g. "glusterd"; a file name. */
    String value();

    /** Takes the resource's lock before the class's first test and lets it go after its last. */
    final class Lock implements BeforeAllCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Lock.class);

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            HostResource resource = context.getRequiredTestClass().getAnnotation(HostResource.class);
            if (resource == null) {
                // A @Nested class of an annotated one: the enclosing class holds the lock until it ends.
                return;
            }
            String name = resource.value();
            if (!name.matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException("a host resource is named in [a-z0-9-]: " + name);
            }
            Path file = Path.of(System.getProperty("java.io.tmpdir"), "tether-tests-" + name + ".lock");
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            // Blocks while another JVM holds it; a JVM that dies lets it go with its file descriptors.
            FileLock lock = channel.lock();
            context.getStore(NAMESPACE).put(name, (ExtensionContext.Store.CloseableResource) () -> {
                lock.release();
                channel.close();
            });
        }
    }
}
