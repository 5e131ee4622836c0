package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.JsonResponses.string;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The Connect protocol's unary form: the body is the bare message ({@code application/json} or
 * {@code application/proto}), the answer the bare response with HTTP 200, an error Connect's JSON
 * error body with the HTTP status Connect pairs with its code. Unary methods only. Immutable.
 */
final class ConnectUnaryWire implements RpcWire {

  static final ConnectUnaryWire JSON = new ConnectUnaryWire(MessageCodec.JSON, "application/json");
  static final ConnectUnaryWire PROTO = new ConnectUnaryWire(MessageCodec.PROTO, "application/proto");

  static final HttpString TIMEOUT = new HttpString("Connect-Timeout-Ms");

  private final MessageCodec codec;
  private final String contentType;

  private ConnectUnaryWire(MessageCodec codec, String contentType) {
    this.codec = codec;
    this.contentType = contentType;
  }

  @Override
  public MessageCodec codec() {
    return codec;
  }

  @Override
  public boolean streams() {
    return false;
  }

  @Override
  public HttpString encodingHeader() {
    return Headers.CONTENT_ENCODING;
  }

  @Override
  public OptionalLong timeoutMillis(HeaderMap headers) {
    return connectTimeout(headers);
  }

  /** The Connect protocol's {@code Connect-Timeout-Ms}: at most 10 digits, as its specification says. */
  static OptionalLong connectTimeout(HeaderMap headers) {
    String value = headers.getFirst(TIMEOUT);
    if (value == null) {
      return OptionalLong.empty();
    }
    if (!value.matches("[0-9]{1,10}")) {
      throw new IllegalArgumentException("Connect-Timeout-Ms must be a number of milliseconds (at most 10 digits)");
    }
    return OptionalLong.of(Long.parseLong(value));
  }

  @Override
  public byte[] requestMessage(byte[] body) {
    return body;
  }

  @Override
  public void answer(HttpServerExchange exchange, Message response) {
    exchange.setStatusCode(StatusCodes.OK);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
    exchange.getResponseSender().send(ByteBuffer.wrap(codec.encode(response)));
  }

  @Override
  public void fail(HttpServerExchange exchange, Status status) {
    error(exchange, status);
  }

  /** Connect's JSON error for {@code status}, whatever wire the request meant to use. */
  static void error(HttpServerExchange exchange, Status status) {
    JsonResponses.send(exchange, httpStatus(status.getCode()), Map.of("code", string(connectCode(status.getCode())), "message", string(describe(status))));
  }

  /** What a caller reads about {@code status}: its description, else its code. */
  static String describe(Status status) {
    return status.getDescription() == null ? status.getCode().toString() : status.getDescription();
  }

  /** Connect's names for gRPC codes: the code in snake case, with CANCELLED spelled "canceled". */
  static String connectCode(Status.Code code) {
    return code == Status.Code.CANCELLED ? "canceled" : code.name().toLowerCase(Locale.ROOT);
  }

  /** The HTTP status Connect pairs with each code. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }
}
