package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.jms.JMSException;
import java.io.IOException;
import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** A broker that cannot be used, said in the operator's words, with the next step. */
class BrokerErrorsTest {
    private static JMSException failed(Throwable cause) {
        JMSException e = new JMSException(cause.getMessage());
        e.initCause(cause);
        return e;
    }

    @Test
    void aRefusedConnectionAsksWhetherTheWorkerRuns() {
        String expected = "cannot reach the broker at amqp://127.0.0.1:1: connection refused (is the worker running?"
                + " give its broker with --broker or TETHER_BROKER)";
        // Netty's native transport says it with the errno only.
        assertEquals(expected, BrokerErrors.describe("amqp://127.0.0.1:1",
                failed(new IOException("finishConnect(..) failed with error(-111)"))));
        assertEquals(expected, BrokerErrors.describe("amqp://127.0.0.1:1", failed(new ConnectException("Connection refused"))));
    }

    @Test
    void tlsAgainstAPlainPortSaysWhichSchemeItTakes() {
        assertEquals("cannot reach the broker at amqps://127.0.0.1:5672: TLS failed: Remote host terminated the handshake"
                + " (is this port a TLS one? a plain port takes amqp://)", BrokerErrors.describe("amqps://127.0.0.1:5672",
                failed(new SSLHandshakeException("Remote host terminated the handshake"))));
    }

    @Test
    void aUrlWithoutASchemeIsAUsageError() {
        assertEquals("--broker localhost:5672 has no scheme: give amqp://localhost:5672 (amqps:// for TLS, failover:(...)"
                + " for several brokers)", assertThrows(IllegalArgumentException.class,
                () -> BrokerErrors.checkUrl("localhost:5672")).getMessage());
        BrokerErrors.checkUrl("amqp://localhost:5672");
        BrokerErrors.checkUrl("failover:(amqp://a:5672,amqp://b:5672)");
    }

    @Test
    void aPasswordInTheUrlIsNotRepeated() {
        String said = BrokerErrors.describe("amqp://127.0.0.1:1?jms.username=engine&jms.password=s3cr3t",
                failed(new ConnectException("Connection refused")));
        assertEquals(false, said.contains("s3cr3t"), said);
        assertEquals(true, said.startsWith("cannot reach the broker at amqp://127.0.0.1:1?jms.username=engine&jms.password=(hidden): "), said);
        String usage = assertThrows(IllegalArgumentException.class,
                () -> BrokerErrors.checkUrl("localhost:5672?jms.password=s3cr3t")).getMessage();
        assertEquals(false, usage.contains("s3cr3t"), usage);
    }
}
