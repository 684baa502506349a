package io.tether.messaging;

import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import io.tether.connection.Text;
import java.nio.charset.CharacterCodingException;

/** Reads a JSON-RPC body from a message: an AMQP string (TextMessage) or data section (BytesMessage). */
final class MessageBodies {
    private MessageBodies() {
    }

    /** Why a body cannot be read; answered with a parse error. */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    static String text(Message message, int maxChars) throws JMSException, Unreadable {
        if (message instanceof TextMessage text) {
            String body = text.getText();
            if (body == null) {
                throw new Unreadable("message body is empty");
            }
            return body;
        }
        if (message instanceof BytesMessage bytes) {
            long length = bytes.getBodyLength();
            // UTF-8 needs at least one byte per char, so this bounds the text too.
            if (length > 4L * maxChars) {
                throw new Unreadable("message body is larger than " + maxChars + " characters");
            }
            byte[] data = new byte[(int) length];
            bytes.readBytes(data);
            try {
                return Text.decodeUtf8Strictly(data);
            } catch (CharacterCodingException e) {
                throw new Unreadable("message body is not valid UTF-8");
            }
        }
        throw new Unreadable("message body must be UTF-8 JSON text in an AMQP data section or string value, not "
                + message.getClass().getSimpleName().replace("Jms", "").replace("Facade", ""));
    }
}
