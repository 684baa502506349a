package io.tether.broker;

import io.tether.amqp.Addresses;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts one host's part of the broker configuration ({@code broker-config/host.xml}) into
 * {@code broker-config/broker.xml}, as {@code broker-config/add-host.sh} does for a standalone
 * broker: the host's request queue between the HOST ADDRESSES markers, its two security settings
 * between the HOSTS markers. The embedded broker uses it for its own host, so both brokers run
 * the same rules.
 */
public final class BrokerXml {
    /** broker.xml and host.xml inside the jar: copies of the repository's broker-config/ files. */
    public static final String BROKER_XML = "broker-config/broker.xml";
    public static final String HOST_XML = "broker-config/host.xml";

    private static final String PLACEHOLDER = "HOST_ID";

    private BrokerXml() {
    }

    /** {@code brokerXml} with {@code hostTemplate}'s entries for {@code hostId} added. */
    public static String withHost(String brokerXml, String hostTemplate, String hostId) {
        String host = hostTemplate.replace(PLACEHOLDER, Addresses.checkHostId(hostId));
        String withAddress = insertBefore(brokerXml, "<!-- END HOST ADDRESSES -->", inner(host, "addresses"));
        return insertBefore(withAddress, "<!-- END HOSTS -->", inner(host, "security-settings"));
    }

    private static String inner(String xml, String element) {
        Matcher m = Pattern.compile("<" + element + ">\\n?(.*?)[ \\t]*</" + element + ">", Pattern.DOTALL).matcher(xml);
        if (!m.find()) {
            throw new IllegalStateException(HOST_XML + " has no <" + element + "> element");
        }
        return m.group(1);
    }

    private static String insertBefore(String xml, String marker, String text) {
        int at = xml.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException(BROKER_XML + " has no " + marker + " marker");
        }
        int lineStart = xml.lastIndexOf('\n', at) + 1;
        return xml.substring(0, lineStart) + text + xml.substring(lineStart);
    }
}
