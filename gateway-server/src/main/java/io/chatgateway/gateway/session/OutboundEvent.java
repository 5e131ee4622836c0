package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.proto.v1.ServerEvent;

/**
 * A {@link ServerEvent} with its wire encodings, each made at most once: a fanned-out event is
 * encoded a single time per format and the same bytes or text are written to every recipient. The
 * protobuf encoding is made eagerly (every transport can use it); the JSON one, which only
 * WebSocket text clients need, on first use. Thread-safe.
 */
public final class OutboundEvent {

  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final ServerEvent event;
  private final byte[] binary;
  // Benign race: two threads may both print it; both results are equal.
  private volatile String json;

  private OutboundEvent(ServerEvent event) {
    this.event = event;
    this.binary = event.toByteArray();
  }

  public static OutboundEvent of(ServerEvent event) {
    return new OutboundEvent(requireNonNull(event, "event"));
  }

  public ServerEvent event() {
    return event;
  }

  /** The protobuf encoding. Callers must not modify it. */
  public byte[] binary() {
    return binary;
  }

  /** The protobuf JSON mapping, as WebSocket text frames carry it. */
  public String json() {
    String text = json;
    if (text == null) {
      try {
        text = JSON.print(event);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a ServerEvent that cannot be printed as JSON", e);
      }
      json = text;
    }
    return text;
  }

  /** Encoded size in bytes, what queue bounds count. */
  public int size() {
    return binary.length;
  }
}
