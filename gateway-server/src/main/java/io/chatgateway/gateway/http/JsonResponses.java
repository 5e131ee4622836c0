package io.chatgateway.gateway.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.Map;

/** Small JSON responses, printed through protobuf's JSON printer so escaping is never hand-written. */
final class JsonResponses {

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private JsonResponses() {}

  static Value string(String value) {
    return Value.newBuilder().setStringValue(value).build();
  }

  static Value bool(boolean value) {
    return Value.newBuilder().setBoolValue(value).build();
  }

  static Value object(Map<String, Value> fields) {
    return Value.newBuilder().setStructValue(Struct.newBuilder().putAllFields(fields)).build();
  }

  static void send(HttpServerExchange exchange, int status, Map<String, Value> fields) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    exchange.getResponseSender().send(print(fields));
  }

  /** {@code fields} as one JSON object. */
  static String print(Map<String, Value> fields) {
    try {
      return PRINTER.print(Struct.newBuilder().putAllFields(fields));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
