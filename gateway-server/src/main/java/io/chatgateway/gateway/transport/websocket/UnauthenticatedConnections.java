package io.chatgateway.gateway.transport.websocket;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many WebSockets are open without an authenticated session yet (upgraded without a token, and
 * not yet past a {@code hello} carrying one), bounded by {@code MAX_UNAUTHENTICATED_CONNECTIONS}.
 *
 * <p>Each such socket holds a slot from {@link #tryAcquire} until it authenticates, times out or
 * closes, and gives it back exactly once with {@link #release}. The count is exported as {@code
 * chat_gateway_connections_unauthenticated}: these sockets are not sessions, so {@code
 * chat_gateway_connections_active} does not see them. Thread-safe; the one piece of state is the
 * atomic count, owned by this object.
 */
public final class UnauthenticatedConnections {

  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  /** @param max {@code MAX_UNAUTHENTICATED_CONNECTIONS} */
  public UnauthenticatedConnections(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative: " + max);
    }
    this.max = max;
  }

  /** Takes a slot; false when all {@code max} are taken. */
  boolean tryAcquire() {
    while (true) {
      int current = open.get();
      if (current >= max) {
        return false;
      }
      if (open.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Gives back a slot taken by {@link #tryAcquire}. */
  void release() {
    open.decrementAndGet();
  }

  /** Sockets open now without an authenticated session. */
  public int open() {
    return open.get();
  }
}
