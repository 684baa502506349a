package io.tether.connection;

import java.time.Instant;

/**
 * Why a connection last failed. {@code code} is a VDSM storage error number where one fits, so
 * engine code written for VDSM keeps working. The message never contains a credential.
 */
public record LastError(int code, String name, String message, Instant at) {
}
