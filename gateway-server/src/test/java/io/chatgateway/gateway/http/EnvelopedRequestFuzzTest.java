package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Message;
import io.undertow.util.HeaderMap;
import java.util.List;

/**
 * Request bodies and deadline headers of the enveloped protocols (Connect streaming, gRPC-Web binary,
 * JSON and text), for every method's request type: a message of that type and a positive timeout, or
 * IllegalArgumentException (answered invalid_argument); nothing else escapes.
 */
class EnvelopedRequestFuzzTest {

  static final List<RpcWire> WIRES =
      List.of(ConnectStreamWire.JSON, ConnectStreamWire.PROTO, GrpcWebWire.PROTO, GrpcWebWire.JSON, GrpcWebWire.TEXT);

  @FuzzTest(maxDuration = "5s")
  void anyBodyIsTheRequestOrInvalidArgument(FuzzedDataProvider data) {
    RpcWire wire = data.pickValue(WIRES);
    Message prototype = data.pickValue(ConnectRequestFuzzTest.PROTOTYPES);
    HeaderMap headers = new HeaderMap();
    headers.put(ConnectUnaryWire.TIMEOUT, data.consumeString(16));
    headers.put(GrpcWebWire.TIMEOUT, data.consumeString(16));
    byte[] body = data.consumeRemainingAsBytes();
    try {
      Message request = wire.codec().decode(prototype, wire.requestMessage(body));
      assertEquals(prototype.getDescriptorForType(), request.getDescriptorForType());
    } catch (IllegalArgumentException invalid) {
      assertNotNull(invalid.getMessage());
    }
    try {
      wire.timeoutMillis(headers).ifPresent(millis -> assertTrue(millis >= 0, "timeout " + millis));
    } catch (IllegalArgumentException invalid) {
      assertNotNull(invalid.getMessage());
    }
  }
}
