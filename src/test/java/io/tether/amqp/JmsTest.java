package io.tether.amqp;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
