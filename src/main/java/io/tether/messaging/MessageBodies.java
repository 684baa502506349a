package io.tether.messaging;

import io.tether.uri.Text;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.nio.charset.CharacterCodingException;

/** Reads a JSON-RPC body from a message: an AMQP string (TextMessage) or data section (BytesMessage). */
final class MessageBodies {
    private MessageBodies() {
    }

    /** Why a body cannot be read; answered with a parse error. */
    static final class NotText extends Exception {
        NotText(String message) {
            super(message, null, false, false);
        }
    }

    static String text(Message message, int maxBytes) throws JMSException, NotText {
        if (message instanceof TextMessage text) {
            String body = text.getText();
            if (body == null) {
                throw new NotText("message body is empty");
            }
            return body;
        }
        if (message instanceof BytesMessage bytes) {
            long length = bytes.getBodyLength();
            if (length > maxBytes) {
                throw new NotText("message body is larger than " + maxBytes + " bytes of UTF-8");
            }
            byte[] data = new byte[(int) length];
            bytes.readBytes(data);
            try {
                return Text.decodeUtf8Strictly(data);
            } catch (CharacterCodingException e) {
                throw new NotText("message body is not valid UTF-8");
            }
        }
        throw new NotText("message body must be UTF-8 JSON text in an AMQP data section or string value, not "
                + message.getClass().getSimpleName().replace("Jms", "").replace("Facade", ""));
    }
}
