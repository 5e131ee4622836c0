package io.chatgateway.gateway.session;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a session is in its life: {@link Phase#OPEN}, then {@link Phase#CLOSING} once anything
 * decided to end it (fan-out, the sweeper, the executor), then {@link Phase#CLOSED} once its
 * executor closed the transport and cleaned up. Each step is taken once, by one caller, so a session
 * is cut and cleaned up exactly once however many threads notice a reason at the same time.
 *
 * <p>Threading: {@link #beginClosing} from any thread; {@link #close} and {@link #identify} only on
 * the session's executor; reads from any thread.
 */
final class SessionLifecycle {

  enum Phase {
    OPEN,
    CLOSING,
    CLOSED
  }

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.OPEN);
  private volatile boolean identified;

  /** Marks the session as ending; true for the one caller that took it from OPEN. */
  boolean beginClosing() {
    return phase.compareAndSet(Phase.OPEN, Phase.CLOSING);
  }

  /** Marks the session as ended; true for the one caller that did. Executor only. */
  boolean close() {
    return phase.getAndSet(Phase.CLOSED) != Phase.CLOSED;
  }

  /** The device said hello and was answered {@code ready}. Executor only. */
  void identify() {
    identified = true;
  }

  /** Still open: not ending or ended. */
  boolean open() {
    return phase.get() == Phase.OPEN;
  }

  boolean closed() {
    return phase.get() == Phase.CLOSED;
  }

  /** Whether hello was answered; stays true after the session ends. */
  boolean identified() {
    return identified;
  }
}
