package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An error reply as the engine's code sees it: the known codes as the enum, a newer worker's as none. */
class RpcExceptionTest {

    private static RpcException error(String json) throws Exception {
        return new RpcException(JsonRpc.MAPPER.readTree(json));
    }

    @Test
    void aKnownErrorIsItsEnumByName() throws Exception {
        RpcException e = error("{\"code\":478,\"message\":\"in use\",\"data\":{\"name\":\"CID_IN_USE\"}}");
        assertEquals(Optional.of(ErrorCode.CID_IN_USE), e.errorCode());
        assertEquals(478, e.code());
        assertEquals("in use", e.getMessage());
    }

    @Test
    void anErrorWithoutANameIsFoundByItsCode() throws Exception {
        assertEquals(Optional.of(ErrorCode.INVALID_PARAMS), error("{\"code\":-32602,\"message\":\"m\"}").errorCode());
    }

    @Test
    void aNewerWorkersErrorIsNoneButKeepsItsCodeAndName() throws Exception {
        RpcException e = error("{\"code\":4999,\"message\":\"new\",\"data\":{\"name\":\"SOMETHING_NEW\"}}");
        assertEquals(Optional.empty(), e.errorCode());
        assertEquals(4999, e.code());
        assertEquals("SOMETHING_NEW", e.name());
        // A known number under an unknown name is not taken for the old meaning.
        assertEquals(Optional.empty(), error("{\"code\":479,\"message\":\"m\",\"data\":{\"name\":\"RENAMED\"}}").errorCode());
    }

    @Test
    void theClientsOwnErrorsLookLikeTheWorkers() {
        RpcException e = RpcException.of(ErrorCode.CID_NOT_FOUND, "not managed");
        assertEquals(Optional.of(ErrorCode.CID_NOT_FOUND), e.errorCode());
        assertEquals(479, e.code());
        assertEquals("CID_NOT_FOUND", e.name());
        assertEquals("not managed", e.getMessage());
    }
}
