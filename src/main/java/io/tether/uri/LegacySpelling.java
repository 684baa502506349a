package io.tether.uri;

import java.util.Locale;
import java.util.Optional;

/**
 * How a URI stored by an earlier version is read now. Earlier versions took an IPv4 address in
 * every spelling inet_aton(3) reads ({@code 127.1}, {@code 0177.0.0.1}, {@code 0x7f.0.0.1}); the
 * parser now takes only four decimal numbers ({@link IpLiteral}), so such a stored URI is rewritten
 * with the address the host's tools connected to. Nothing else is rewritten: a stored URI the
 * current rules refuse for another reason is left as it is, and its CID stays managed but stranded
 * (a stranded CID).
 */
public final class LegacySpelling {
    private LegacySpelling() {
    }

    /**
     * {@code stored} with its host's IPv4 address written as four decimal numbers, when that is
     * what it needs to parse now; empty when it has no such host, or still does not parse.
     */
    public static Optional<String> rewrite(String stored) {
        int scheme = stored.indexOf("://");
        if (scheme < 0) {
            return Optional.empty();
        }
        int start = scheme + 3;
        int end = start;
        while (end < stored.length() && "/?;#".indexOf(stored.charAt(end)) < 0) {
            end++;
        }
        String authority = stored.substring(start, end);
        int hostStart = authority.lastIndexOf('@') + 1;
        int colon = authority.indexOf(':', hostStart);
        int hostEnd = colon < 0 ? authority.length() : colon;
        String host = authority.substring(hostStart, hostEnd);
        if (host.isEmpty() || host.startsWith("[") || !IpLiteral.endsInNumber(host.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        Optional<String> address = IpLiteral.inetAton(host);
        if (address.isEmpty() || address.get().equals(host)) {
            return Optional.empty();
        }
        String rewritten = stored.substring(0, start + hostStart) + address.get() + stored.substring(start + hostEnd);
        try {
            UriParser.parse(rewritten);
            return Optional.of(rewritten);
        } catch (InvalidUriException e) {
            return Optional.empty();
        }
    }
}
