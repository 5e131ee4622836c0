package io.chatgateway.gateway;

import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Whether this gateway should get traffic: not draining, the core's breaker closed, the engine
 * delivering. Mirrors that into gRPC health (the whole server and {@code chat.v1.ChatService}) and
 * logs each change once.
 *
 * <p>Threading: {@link #update} is synchronized (breaker callbacks and the 250 ms refresh both call
 * it); {@link #ready} reads volatile state from any thread.
 */
final class Readiness {

  private static final Logger log = Logger.getLogger(Readiness.class.getName());
  private static final String SERVICE_NAME = ChatServiceGrpc.SERVICE_NAME;

  private final HealthStatusManager health = new HealthStatusManager();
  private final CircuitBreaker breaker;
  private final Engine engine;
  private final BooleanSupplier draining;
  private ServingStatus last; // guarded by this
  private boolean terminal; // guarded by this

  Readiness(CircuitBreaker breaker, Engine engine, BooleanSupplier draining) {
    this.breaker = breaker;
    this.engine = engine;
    this.draining = draining;
  }

  HealthStatusManager health() {
    return health;
  }

  boolean ready() {
    // Not while a probe is in flight (HALF_OPEN): only a core known to answer makes the gateway ready.
    return !draining.getAsBoolean() && breaker.state() == CircuitBreaker.State.CLOSED && engine.healthy();
  }

  /** Sets health from {@link #ready}, logging when it changes. */
  synchronized void update() {
    if (terminal) {
      return;
    }
    ServingStatus status = ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (status == last) {
      return;
    }
    ServingStatus previous = last;
    last = status;
    set(status);
    if (status == ServingStatus.NOT_SERVING && previous == ServingStatus.SERVING && !draining.getAsBoolean()) {
      log.warning(() -> "not ready: breaker " + breaker.state() + ", engine " + (engine.healthy() ? "delivering" : "not delivering"));
    } else if (status == ServingStatus.SERVING) {
      log.info("ready");
    }
  }

  /** The gateway drains: NOT_SERVING from now on, whatever the parts say. */
  synchronized void stopServing() {
    terminal = true;
    set(ServingStatus.NOT_SERVING);
  }

  /** The server stops: health answers NOT_SERVING to the end. */
  synchronized void terminate() {
    health.enterTerminalState();
  }

  private void set(ServingStatus status) {
    health.setStatus("", status);
    health.setStatus(SERVICE_NAME, status);
  }
}
