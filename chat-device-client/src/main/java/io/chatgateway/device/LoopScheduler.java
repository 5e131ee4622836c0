package io.chatgateway.device;

import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The production {@link Scheduler}: one daemon thread of the client's own. */
final class LoopScheduler implements Scheduler {

  private final ScheduledExecutorService executor;

  LoopScheduler(String name) {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, name);
              thread.setDaemon(true);
              return thread;
            });
    // Cancelled timers (heartbeats, hello timeouts) leave at once instead of when they were due.
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
  }

  @Override
  public void execute(Runnable task) {
    if (!executor.isShutdown()) {
      executor.execute(task);
    }
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    if (executor.isShutdown()) {
      return Timer.NONE;
    }
    ScheduledFuture<?> future = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public void shutdown() {
    executor.shutdown();
  }
}
