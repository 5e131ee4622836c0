package io.chatgateway.gateway.engine;

import io.chatgateway.bus.EventPublisher;
import io.chatgateway.proto.v1.BusEnvelope;
import java.util.function.Consumer;

/**
 * Carries room envelopes from publishers (the core) to this gateway's local fan-out.
 *
 * <p>Call order: {@link #start} once with the sink, then {@link #roomActive}/{@link #roomInactive}
 * as rooms gain their first and lose their last local subscriber; {@link #close} at shutdown. Thread-safe.
 */
public interface Engine extends EventPublisher, AutoCloseable {

  /** Starts delivery; {@code sink} receives envelopes of active rooms, per room in publish order. */
  void start(Consumer<BusEnvelope> sink);

  /** This gateway now has a local subscriber in {@code roomId}: deliver its envelopes here. */
  void roomActive(String roomId);

  /** This gateway has no local subscriber left in {@code roomId}. */
  void roomInactive(String roomId);

  /** Whether envelopes published now would reach this gateway (for readiness). */
  boolean healthy();

  @Override
  void close();
}
