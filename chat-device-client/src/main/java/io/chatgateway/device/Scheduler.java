package io.chatgateway.device;

import java.time.Instant;

/**
 * The client's loop: one serial executor with timers and clocks. Everything the client owns is
 * touched only by tasks of its loop. Production uses {@link LoopScheduler}; tests drive a fake
 * whose time moves only when the test says.
 */
interface Scheduler {

  /** Runs {@code task} on the loop after the tasks already queued. Callable from any thread. */
  void execute(Runnable task);

  /** Runs {@code task} on the loop after {@code delayNanos}; the returned handle cancels it. */
  Timer schedule(Runnable task, long delayNanos);

  /** Monotonic time for intervals. */
  long nanoTime();

  /** Wall-clock time, for token expiries. */
  Instant now();

  /** Stops the loop (a no-op for a loop the client does not own). */
  void shutdown();

  /** A scheduled task that may be cancelled. */
  @FunctionalInterface
  interface Timer {
    /** Cancels the task if it has not run; harmless after. */
    void cancel();

    /** A timer that never runs. */
    Timer NONE = () -> {};
  }
}
