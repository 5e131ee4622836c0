package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import io.chatgateway.proto.v1.ServerEvent;

/**
 * A {@link ServerEvent} with its wire encoding, made once: a fanned-out event is encoded a single
 * time and the same bytes are written to every recipient. Immutable.
 */
public final class OutboundEvent {

  private final ServerEvent event;
  private final byte[] binary;

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

  /** Encoded size in bytes, what queue bounds count. */
  public int size() {
    return binary.length;
  }
}
