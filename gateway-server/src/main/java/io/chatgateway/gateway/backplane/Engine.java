package io.chatgateway.gateway.backplane;

import io.chatgateway.bus.EventPublisher;
import io.chatgateway.proto.v1.BusEnvelope;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Carries room envelopes, and envelopes for the devices of one profile, from publishers (the core)
 * to this gateway's local fan-out.
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

  /**
   * This gateway now has a session of {@code profileId}: deliver envelopes addressed to the profile's
   * devices ({@code BusEnvelope.profile_id}) here, until {@link #profileInactive}.
   */
  default void profileActive(String profileId) {}

  /** This gateway has no session of {@code profileId} left. */
  default void profileInactive(String profileId) {}

  /**
   * Completes when envelopes of {@code roomId}, made active before, are being delivered here. A
   * session waits for it before asking the core for the room's last sequence, so no envelope
   * published after that answer can be missed. Completes at once in memory; with Redis, when Redis
   * confirms the subscription.
   */
  CompletionStage<Void> whenDelivering(String roomId);

  /**
   * Receives control messages addressed to this gateway (device kicks from other gateways). Set
   * before {@link #start}; the in-memory engine never calls it.
   */
  default void onControl(Consumer<io.chatgateway.proto.v1.GatewayControl> handler) {}

  /** Whether envelopes published now would reach this gateway (for readiness). */
  boolean healthy();

  /** Seconds the engine's last self-ping took to come back (a metric); negative when it has none. */
  default double lagSeconds() {
    return -1;
  }

  @Override
  void close();
}
