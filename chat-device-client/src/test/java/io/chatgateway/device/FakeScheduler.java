package io.chatgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/** A {@link Scheduler} whose time moves only when the test says; tasks run on the test's thread. */
final class FakeScheduler implements Scheduler {

  private record Task(long at, long order, Runnable body, boolean[] cancelled) {}

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private final Instant epoch = Instant.parse("2026-12-02T12:00:00Z");
  private long now;
  private long order;
  boolean shutdown;

  @Override
  public void execute(Runnable task) {
    schedule(task, 0);
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    boolean[] cancelled = {false};
    tasks.add(new Task(now + Math.max(0, delayNanos), order++, task, cancelled));
    return () -> cancelled[0] = true;
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Instant now() {
    return epoch.plusNanos(now);
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  /** Runs everything due now, including what those tasks queue for now. */
  void runDue() {
    advance(Duration.ZERO);
  }

  /** Moves time forward by {@code step}, running every task that falls due on the way, in time order. */
  void advance(Duration step) {
    long target = now + step.toNanos();
    while (!tasks.isEmpty() && tasks.peek().at <= target) {
      Task task = tasks.poll();
      now = Math.max(now, task.at);
      if (!task.cancelled[0]) {
        task.body.run();
      }
    }
    now = target;
  }
}
