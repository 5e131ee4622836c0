package io.chatgateway.device;

import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The production {@link Scheduler}: tasks run one at a time on a scheduled pool, either a daemon
 * thread of the client's own or a pool the application shares between many clients (thousands of
 * clients in one process then need a few threads, not two each).
 *
 * <p>Threading: {@link #execute} and {@link #schedule} from any thread; tasks are serialized by a
 * {@link SerialExecutor}, so a shared pool with many threads still runs one client's tasks in order.
 */
final class LoopScheduler implements Scheduler {

  private final ScheduledExecutorService pool;
  private final SerialExecutor serial;
  private final boolean owned;
  private volatile boolean stopped;

  private LoopScheduler(ScheduledExecutorService pool, boolean owned) {
    this.pool = pool;
    this.serial = new SerialExecutor(pool);
    this.owned = owned;
  }

  /** A loop on a daemon thread of its own, stopped by {@link #shutdown()}. */
  static LoopScheduler ownThread(String name) {
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
    // A closed client's timers (heartbeat, refresh) must not keep its thread alive until they are due.
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return new LoopScheduler(pool, true);
  }

  /** A loop on the application's pool, which {@link #shutdown()} leaves running. */
  static LoopScheduler shared(ScheduledExecutorService pool) {
    return new LoopScheduler(pool, false);
  }

  @Override
  public void execute(Runnable task) {
    if (!stopped) {
      serial.execute(task);
    }
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    if (stopped) {
      return Timer.NONE;
    }
    ScheduledFuture<?> future = pool.schedule(() -> execute(task), delayNanos, TimeUnit.NANOSECONDS);
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
    stopped = true;
    if (owned) {
      pool.shutdown();
    }
  }
}
