package io.chatgateway.gateway.session;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

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

  // A field updater rather than an AtomicReference: one object less in every session.
  private static final AtomicReferenceFieldUpdater<SessionLifecycle, Phase> PHASE =
      AtomicReferenceFieldUpdater.newUpdater(SessionLifecycle.class, Phase.class, "phase");

  private volatile Phase phase = Phase.OPEN;
  private volatile boolean identified;

  /** Marks the session as ending; true for the one caller that took it from OPEN. */
  boolean beginClosing() {
    return PHASE.compareAndSet(this, Phase.OPEN, Phase.CLOSING);
  }

  /** Marks the session as ended; true for the one caller that did. Executor only. */
  boolean close() {
    return PHASE.getAndSet(this, Phase.CLOSED) != Phase.CLOSED;
  }

  /** The device said hello and was answered {@code ready}. Executor only. */
  void identify() {
    identified = true;
  }

  /** Still open: not ending or ended. */
  boolean open() {
    return phase == Phase.OPEN;
  }

  boolean closed() {
    return phase == Phase.CLOSED;
  }

  /** Whether hello was answered; stays true after the session ends. */
  boolean identified() {
    return identified;
  }
}
