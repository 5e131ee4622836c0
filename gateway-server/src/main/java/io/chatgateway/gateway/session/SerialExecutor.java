package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs tasks one at a time, in submission order, on a shared pool or on one I/O thread: the single
 * owner of one session's state. Tasks from any thread may be submitted; at most one thread runs them
 * at a time, with happens-before between consecutive tasks. A task that throws is logged and the
 * next one runs. When the executor refuses work (an I/O thread that is shutting down), the tasks run
 * on the fallback pool instead, so a session can still finish and clean up.
 */
final class SerialExecutor implements Executor {

  private static final Logger log = Logger.getLogger(SerialExecutor.class.getName());
  /** Tasks run per turn before the thread is handed back, so one busy session cannot hog it. */
  private static final int BATCH = 64;

  private volatile Executor executor; // where turns run: the pool, or an I/O thread after moveTo
  private final Executor pool;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  // 1 while a turn is scheduled or running. A field updater, not an AtomicBoolean: one executor per
  // connection.
  private static final AtomicIntegerFieldUpdater<SerialExecutor> SCHEDULED = AtomicIntegerFieldUpdater.newUpdater(SerialExecutor.class, "scheduled");
  private volatile int scheduled;

  SerialExecutor(Executor pool) {
    this.pool = requireNonNull(pool, "pool");
    this.executor = pool;
  }

  /**
   * Runs the turns that start from now on on {@code executor}; the pool stays the fallback for when
   * {@code executor} refuses work. Safe from any thread: a turn runs wholly on one thread, and the
   * next one, wherever it runs, starts after it.
   */
  void moveTo(Executor executor) {
    this.executor = requireNonNull(executor, "executor");
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(requireNonNull(task, "task"));
    schedule();
  }

  private void schedule() {
    if (SCHEDULED.compareAndSet(this, 0, 1)) {
      try {
        executor.execute(this::runBatch);
      } catch (RejectedExecutionException shuttingDown) {
        pool.execute(this::runBatch);
      }
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
