package io.chatgateway.bus;

import io.chatgateway.proto.v1.BusEnvelope;

/**
 * Publishes room-scoped envelopes to every gateway with a subscriber in the room.
 *
 * <p>Implementations are thread-safe. {@link #publish} must not block on I/O for long: a core calls
 * it while it holds the room's ordering lock, which is how envelopes of one room reach subscribers
 * in the order the core accepted them. Publishing is at-most-once; subscribers that miss envelopes
 * recover through {@code GetHistory(after_sequence)}.
 */
@FunctionalInterface
public interface EventPublisher {

  /**
   * Publishes one envelope. {@code envelope.getRoomId()} selects the channel.
   *
   * @throws io.grpc.StatusRuntimeException with {@code UNAVAILABLE} when the engine cannot take it
   */
  void publish(BusEnvelope envelope);
}
