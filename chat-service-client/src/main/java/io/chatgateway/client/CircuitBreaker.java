package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Fails upstream calls fast while the core is down, instead of letting every device wait for a
 * timeout.
 *
 * <p>CLOSED: calls pass; {@code failureThreshold} consecutive failures open the breaker. OPEN: calls
 * are refused for {@code openDuration}. HALF_OPEN: one probe call passes; its success closes the
 * breaker, its failure opens it again. A failure is an outcome that says the core is unreachable or
 * overloaded ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}); any answer from the core, even an
 * error such as {@code NOT_FOUND}, is a success; a call the caller cancelled says nothing either way.
 *
 * <p>Thread-safe. The common case, a closed breaker and a successful call, reads one volatile field
 * and takes no lock; every state change happens under this object's monitor.
 */
public final class CircuitBreaker {

  /** The breaker's state. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /** Admission of one call; report its outcome exactly once with {@link #complete}. */
  public final class Permit {
    private final boolean probe;

    private Permit(boolean probe) {
      this.probe = probe;
    }

    /** Records the outcome of the admitted call. */
    public void complete(Status.Code code) {
      onComplete(probe, code);
    }
  }

  private final int failureThreshold;
  private final long openNanos;
  private final LongSupplier nanoClock;
  private final Consumer<State> stateListener;

  private volatile State state = State.CLOSED;
  // Written only under this object's monitor; volatile so the success fast path may read it unlocked.
  private volatile int consecutiveFailures;
  // Guarded by this.
  private long openedAtNanos;
  private boolean probeInFlight;

  /**
   * @param stateListener told of every state change, under the breaker's lock: it must be quick and
   *     must not call back into the breaker
   */
  public CircuitBreaker(
      int failureThreshold,
      Duration openDuration,
      LongSupplier nanoClock,
      Consumer<State> stateListener) {
    if (failureThreshold < 1) {
      throw new IllegalArgumentException("failureThreshold must be at least 1");
    }
    this.failureThreshold = failureThreshold;
    this.openNanos = openDuration.toNanos();
    this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    this.stateListener = requireNonNull(stateListener, "stateListener");
  }

  /** A breaker on the system clock with no state listener. */
  public static CircuitBreaker create(int failureThreshold, Duration openDuration) {
    return new CircuitBreaker(failureThreshold, openDuration, System::nanoTime, s -> {});
  }

  /** Admits a call, or returns {@code null} when the breaker refuses it. */
  public Permit tryAcquire() {
    if (state == State.CLOSED) {
      return new Permit(false);
    }
    synchronized (this) {
      switch (state) {
        case CLOSED:
          return new Permit(false);
        case OPEN:
          if (nanoClock.getAsLong() - openedAtNanos < openNanos) {
            return null;
          }
          transition(State.HALF_OPEN);
          probeInFlight = true;
          return new Permit(true);
        case HALF_OPEN:
        default:
          if (probeInFlight) {
            return null;
          }
          probeInFlight = true;
          return new Permit(true);
      }
    }
  }

  /** Current state; OPEN may already be due for a probe. */
  public State state() {
    return state;
  }

  /** Milliseconds until an open breaker lets a probe through; 0 when it would now. */
  public synchronized long millisUntilProbe() {
    if (state != State.OPEN) {
      return 0;
    }
    long left = openNanos - (nanoClock.getAsLong() - openedAtNanos);
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(left));
  }

  private void onComplete(boolean probe, Status.Code code) {
    boolean failure = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    boolean neutral = code == Status.Code.CANCELLED;
    if (!probe && !failure && state == State.CLOSED && consecutiveFailures == 0) {
      return; // Fast path: a plain success with nothing to reset.
    }
    synchronized (this) {
      if (probe) {
        probeInFlight = false;
      }
      if (neutral) {
        return;
      }
      if (!failure) {
        consecutiveFailures = 0;
        if (probe && state == State.HALF_OPEN) {
          transition(State.CLOSED);
        }
        return;
      }
      if (probe && state == State.HALF_OPEN) {
        open();
        return;
      }
      if (state == State.CLOSED) {
        consecutiveFailures++;
        if (consecutiveFailures >= failureThreshold) {
          open();
        }
      }
    }
  }

  private void open() {
    openedAtNanos = nanoClock.getAsLong();
    consecutiveFailures = 0;
    transition(State.OPEN);
  }

  private void transition(State next) {
    if (state != next) {
      state = next;
      stateListener.accept(next);
    }
  }
}
