package io.chatgateway.gateway.http;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * How one protocol of the HTTP port carries a call: the Connect protocol's unary form ({@link
 * ConnectUnaryWire}), or an enveloped form that can also stream answers (Connect streaming and
 * gRPC-Web, {@link EnvelopedWire}). The request's {@code Content-Type} picks the wire. Immutable.
 */
sealed interface RpcWire permits ConnectUnaryWire, EnvelopedWire {

  /**
   * The wire of a request's {@code Content-Type} (parameters such as {@code charset} ignored), or null
   * when no protocol of this port uses it.
   */
  static RpcWire forContentType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int parameters = contentType.indexOf(';');
    String type = (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "application/json" -> ConnectUnaryWire.JSON;
      case "application/proto" -> ConnectUnaryWire.PROTO;
      case "application/connect+json" -> ConnectStreamWire.JSON;
      case "application/connect+proto" -> ConnectStreamWire.PROTO;
      case "application/grpc-web", "application/grpc-web+proto" -> GrpcWebWire.PROTO;
      case "application/grpc-web+json" -> GrpcWebWire.JSON;
      case "application/grpc-web-text", "application/grpc-web-text+proto" -> GrpcWebWire.TEXT;
      default -> null;
    };
  }

  /** How messages are encoded. */
  MessageCodec codec();

  /** Whether a server-streaming method can be called on this wire. */
  boolean streams();

  /** The request header that names the request's compression; only identity is taken. */
  HttpString encodingHeader();

  /**
   * The call's timeout from the request's headers, if it sets one.
   *
   * @throws IllegalArgumentException saying what is wrong with the header
   */
  OptionalLong timeoutMillis(HeaderMap headers);

  /**
   * The request message's bytes in the request body.
   *
   * @throws IllegalArgumentException saying what is wrong with the body
   */
  byte[] requestMessage(byte[] body);

  /** Answers a unary call with {@code response} and ends the exchange. */
  void answer(HttpServerExchange exchange, Message response);

  /** Ends the exchange with {@code status}, a failure, before any answer was written. */
  void fail(HttpServerExchange exchange, Status status);
}
