package io.tether.amqp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How {@link Jms} turns the URL it is given into the one Qpid JMS connects with. */
class JmsTest {
    @Test
    void aFailoverUrlKeepsToTheBrokersItNames() {
        assertEquals("failover:(amqp://a:5672,amqp://b:5672)?failover.amqpOpenServerListAction=IGNORE",
                Jms.brokersAsGiven("failover:(amqp://a:5672,amqp://b:5672)"));
        assertEquals("failover:(amqp://a:5672,amqp://b:5672)?failover.maxReconnectAttempts=-1&failover.amqpOpenServerListAction=IGNORE",
                Jms.brokersAsGiven("failover:(amqp://a:5672,amqp://b:5672)?failover.maxReconnectAttempts=-1"));
        // Options of the nested URIs are theirs: only what follows the parenthesis is the failover's.
        assertEquals("failover:(amqps://a:5671?transport.verifyHost=false,amqps://b:5671)?failover.amqpOpenServerListAction=IGNORE",
                Jms.brokersAsGiven("failover:(amqps://a:5671?transport.verifyHost=false,amqps://b:5671)"));
        assertEquals("failover:(amqp://a:5672)?failover.amqpOpenServerListAction=IGNORE",
                Jms.brokersAsGiven("failover:(amqp://a:5672)?"));
    }

    @Test
    void anActionTheUrlChoosesIsKept() {
        String url = "failover:(amqp://a:5672,amqp://b:5672)?failover.amqpOpenServerListAction=ADD";
        assertEquals(url, Jms.brokersAsGiven(url));
    }

    @Test
    void aPlainUrlIsLeftAlone() {
        assertEquals("amqp://a:5672?jms.username=u", Jms.brokersAsGiven("amqp://a:5672?jms.username=u"));
    }

    @Test
    void theWorkersOwnFailoverWrappingKeepsToItsOneBroker() {
        String wrapped = Jms.brokersAsGiven(Jms.withFailover("amqp://127.0.0.1:5672"));
        assertEquals(true, wrapped.startsWith("failover:(amqp://127.0.0.1:5672)?failover.maxReconnectAttempts=-1&"), wrapped);
        assertEquals(true, wrapped.endsWith("&failover.amqpOpenServerListAction=IGNORE"), wrapped);
    }

    @Test
    void aLoopThatTheBrokerKeepsRefusingBacksOffToFiveSeconds() {
        // The middle of the jitter band: the plan itself, with no spread.
        assertEquals(java.util.List.of(250L, 500L, 1000L, 2000L, 4000L, 5000L, 5000L),
                IntStream.rangeClosed(1, 7).mapToObj(n -> Jms.BROKER_RETRY.delay(n, () -> 0.5).toMillis()).toList());
        // Spread by a fifth either way, so the hosts of a fleet do not retry in step.
        assertEquals(Duration.ofMillis(200), Jms.BROKER_RETRY.delay(1, () -> 0.0));
        assertEquals(Duration.ofMillis(1200), Jms.BROKER_RETRY.delay(3, () -> 0.9999999));
    }

    @Test
    void aUrlShownInAMessageHidesItsPassword() {
        assertEquals("amqp://127.0.0.1:5672?jms.username=engine&jms.password=(hidden)",
                Jms.shown("amqp://127.0.0.1:5672?jms.username=engine&jms.password=s3cr3t%26more"));
        assertEquals("failover:(amqp://a:5672?jms.password=(hidden),amqp://b:5672)?failover.maxReconnectAttempts=1",
                Jms.shown("failover:(amqp://a:5672?jms.password=x,amqp://b:5672)?failover.maxReconnectAttempts=1"));
        assertEquals("amqp://a:5672?JMS.PASSWORD=(hidden)&jms.username=u", Jms.shown("amqp://a:5672?JMS.PASSWORD=p&jms.username=u"));
        assertEquals("amqp://a:5672", Jms.shown("amqp://a:5672"));
    }
}
