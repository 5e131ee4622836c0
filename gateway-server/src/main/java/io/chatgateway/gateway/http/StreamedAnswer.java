package io.chatgateway.gateway.http;

import com.google.protobuf.Message;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * Relays a server-streaming call to the core into an HTTP response on an {@link EnvelopedWire}, answer
 * by answer: the next answer is asked of the core only when the last one has been written and flushed
 * to the socket, so a slow reader never makes the gateway buffer a fast core's answers (at most one
 * answer per call is held). The call's status and the core's trailers follow the last answer. A client that goes away
 * cancels the call at the next write.
 *
 * <p>Threading: the call's callbacks come on gRPC's threads and only hand frames over; the response
 * channel and every field below are owned by the exchange's I/O thread, where all writes happen.
 */
final class StreamedAnswer extends ClientCall.Listener<Message> {

  private final HttpServerExchange exchange;
  private final EnvelopedWire wire;
  private final ClientCall<Message, Message> call;
  private StreamSinkChannel channel;
  private ByteBuffer pending;
  private boolean pendingIsLast;
  private boolean shutDown;
  private boolean ended;

  private StreamedAnswer(HttpServerExchange exchange, EnvelopedWire wire, ClientCall<Message, Message> call) {
    this.exchange = exchange;
    this.wire = wire;
    this.call = call;
  }

  /**
   * Starts {@code call} with {@code request} and relays its answers to {@code exchange}, which must
   * have been dispatched so that it stays open until this ends it. Call in the call's {@link
   * io.grpc.Context}.
   */
  static void relay(HttpServerExchange exchange, EnvelopedWire wire, ClientCall<Message, Message> call, Message request) {
    StreamedAnswer answer = new StreamedAnswer(exchange, wire, call);
    wire.startAnswer(exchange);
    call.start(answer, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    call.request(1);
  }

  @Override
  public void onMessage(Message message) {
    ByteBuffer frame = wire.messageFrame(message);
    exchange.getIoThread().execute(() -> write(frame, false));
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    ByteBuffer frame = wire.endFrame(status, trailers);
    exchange.getIoThread().execute(() -> write(frame, true));
  }

  private void write(ByteBuffer frame, boolean last) {
    if (ended) {
      return; // the client went away; the call was cancelled
    }
    if (channel == null) {
      channel = exchange.getResponseChannel();
    }
    pending = frame;
    pendingIsLast = last;
    drain();
  }

  /** Writes what is pending and flushes it; when the socket takes no more, goes on when it does. */
  private void drain() {
    try {
      while (pending.hasRemaining()) {
        if (channel.write(pending) == 0) {
          awaitWritable();
          return;
        }
      }
      if (pendingIsLast && !shutDown) {
        channel.shutdownWrites();
        shutDown = true;
      }
      if (!channel.flush()) {
        awaitWritable();
        return;
      }
      channel.suspendWrites();
      if (shutDown) {
        ended = true;
        exchange.endExchange();
      } else {
        call.request(1);
      }
    } catch (IOException e) {
      clientGone();
    }
  }

  private void awaitWritable() {
    channel.getWriteSetter().set(writable -> drain());
    channel.resumeWrites();
  }

  private void clientGone() {
    ended = true;
    call.cancel("the HTTP client went away", null);
    // HTTP/1.1 (the port serves no HTTP/2): the connection carries only this exchange, and a write
    // that failed left it unusable.
    IoUtils.safeClose(exchange.getConnection());
  }
}
