package io.chatgateway.gateway.http;

import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.Status;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A wire whose bodies are {@link Envelopes enveloped} messages: the answers go out one envelope
 * each, and the call's status in a last envelope of the protocol's own form, so the HTTP status is
 * 200 even for a failed call. Unary and server-streaming methods both use it. Immutable.
 */
abstract sealed class EnvelopedWire implements RpcWire permits ConnectStreamWire, GrpcWebWire {

  private final MessageCodec codec;
  private final String contentType;

  EnvelopedWire(MessageCodec codec, String contentType) {
    this.codec = codec;
    this.contentType = contentType;
  }

  @Override
  public final MessageCodec codec() {
    return codec;
  }

  @Override
  public final boolean streams() {
    return true;
  }

  @Override
  public byte[] requestMessage(byte[] body) {
    return Envelopes.onlyMessage(body);
  }

  /** Sets the status and headers of an answer; call before the first frame is written. */
  final void startAnswer(HttpServerExchange exchange) {
    exchange.setStatusCode(StatusCodes.OK);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
    exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
  }

  /** One answer, ready to write. */
  ByteBuffer messageFrame(Message message) {
    return Envelopes.frame(0, codec.encode(message));
  }

  /**
   * The call's end with {@code status} and the core's {@code trailers}, ready to write; nothing may
   * follow it.
   */
  abstract ByteBuffer endFrame(Status status, Metadata trailers);

  /**
   * {@code trailers} as text, name by name in order: binary ({@code -bin}) values in unpadded base64,
   * as gRPC writes them on the wire. gRPC's own status headers are not among them.
   */
  static Map<String, List<String>> textOf(Metadata trailers) {
    Map<String, List<String>> text = new LinkedHashMap<>();
    for (String name : trailers.keys()) {
      List<String> values = new ArrayList<>();
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        trailers.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER)).forEach(value -> values.add(Base64.getEncoder().withoutPadding().encodeToString(value)));
      } else {
        trailers.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)).forEach(values::add);
      }
      text.put(name, values);
    }
    return text;
  }

  @Override
  public final void answer(HttpServerExchange exchange, Message response) {
    ByteBuffer message = messageFrame(response);
    ByteBuffer end = endFrame(Status.OK, new Metadata());
    startAnswer(exchange);
    exchange.getResponseSender().send(ByteBuffer.allocate(message.remaining() + end.remaining()).put(message).put(end).flip());
  }

  @Override
  public final void fail(HttpServerExchange exchange, Status status) {
    startAnswer(exchange);
    exchange.getResponseSender().send(endFrame(status, new Metadata()));
  }
}
