package io.chatgateway.gateway.http;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;

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

  /** The call's end with {@code status}, ready to write; nothing may follow it. */
  abstract ByteBuffer endFrame(Status status);

  @Override
  public final void answer(HttpServerExchange exchange, Message response) {
    ByteBuffer message = messageFrame(response);
    ByteBuffer end = endFrame(Status.OK);
    startAnswer(exchange);
    exchange.getResponseSender().send(ByteBuffer.allocate(message.remaining() + end.remaining()).put(message).put(end).flip());
  }

  @Override
  public final void fail(HttpServerExchange exchange, Status status) {
    startAnswer(exchange);
    exchange.getResponseSender().send(endFrame(status));
  }
}
