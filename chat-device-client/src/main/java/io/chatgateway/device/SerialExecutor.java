package io.chatgateway.device;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs tasks one at a time, in submission order, on an executor that may have many threads: what
 * makes a client's loop and its listener's callbacks serial whatever executor the application passes.
 *
 * <p>Threading: {@link #execute} from any thread; the queue is guarded by this object's monitor.
 */
final class SerialExecutor implements Executor {

  private static final Logger log = Logger.getLogger(SerialExecutor.class.getName());

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ArrayDeque<>();
  private boolean running;

  SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      tasks.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    delegate.execute(this::drain);
  }

  private void drain() {
    while (true) {
      Runnable task;
      synchronized (this) {
        task = tasks.poll();
        if (task == null) {
          running = false;
          return;
        }
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.log(Level.WARNING, "a chat client task threw; the next one still runs", e);
      }
    }
  }
}
