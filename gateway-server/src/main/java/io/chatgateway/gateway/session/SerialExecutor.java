package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: the single owner of one session's
 * state. Tasks from any thread may be submitted; at most one pool thread runs them at a time, with
 * happens-before between consecutive tasks. A task that throws is logged and the next one runs.
 */
final class SerialExecutor implements Executor {

  private static final Logger log = Logger.getLogger(SerialExecutor.class.getName());
  /** Tasks run per turn before the pool thread is handed back, so one busy session cannot hog it. */
  private static final int BATCH = 64;

  private final Executor pool;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  // 1 while a turn is scheduled or running. A field updater, not an AtomicBoolean: one executor per
  // connection.
  private static final AtomicIntegerFieldUpdater<SerialExecutor> SCHEDULED = AtomicIntegerFieldUpdater.newUpdater(SerialExecutor.class, "scheduled");
  private volatile int scheduled;

  SerialExecutor(Executor pool) {
    this.pool = requireNonNull(pool, "pool");
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(requireNonNull(task, "task"));
    schedule();
  }

  private void schedule() {
    if (SCHEDULED.compareAndSet(this, 0, 1)) {
      pool.execute(this::runBatch);
    }
  }

  private void runBatch() {
    try {
      for (int i = 0; i < BATCH; i++) {
        Runnable task = tasks.poll();
        if (task == null) {
          break;
        }
        try {
          task.run();
        } catch (RuntimeException | Error e) {
          log.log(Level.SEVERE, "session task failed", e);
        }
      }
    } finally {
      scheduled = 0;
      if (!tasks.isEmpty()) {
        schedule();
      }
    }
  }
}
