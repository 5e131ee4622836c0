package io.chatgateway.gateway.session;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A fixed set of single-threaded lanes; tasks with the same key always run on the same lane, in
 * submission order. This is what keeps one room's envelopes in order while rooms fan out in parallel,
 * and it takes fan-out work off the publisher's thread (the core's room lock, or the engine's I/O
 * thread).
 *
 * <p>A lane runs what has queued up in bursts, and each task records in the lane's {@link DrainBatch}
 * which sessions it queued events for; their drains start when the burst ends (see there why).
 *
 * <p>Each lane's queue is bounded. A full lane makes the publisher wait. That is back-pressure on
 * whoever publishes faster than events can be fanned out; the alternative, silent loss, is not
 * acceptable.
 */
final class FanoutLanes implements AutoCloseable {

  private static final Logger log = Logger.getLogger(FanoutLanes.class.getName());

  /** Tasks one burst runs at most before it releases its drains, bounding what a burst delays. */
  static final int MAX_BURST = 32;

  private final BlockingQueue<Consumer<DrainBatch>>[] queues;
  private final Thread[] threads;
  private volatile boolean closed;

  @SuppressWarnings("unchecked")
  FanoutLanes(int lanes, int capacityPerLane) {
    queues = new BlockingQueue[lanes];
    threads = new Thread[lanes];
    for (int i = 0; i < lanes; i++) {
      BlockingQueue<Consumer<DrainBatch>> queue = new ArrayBlockingQueue<>(capacityPerLane);
      queues[i] = queue;
      threads[i] = new Thread(() -> run(queue), "fanout-lane-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
  }

  /** Runs {@code task} on the lane of {@code key}, after every earlier task of that lane. */
  void execute(String key, Consumer<DrainBatch> task) {
    if (closed) {
      throw new RejectedExecutionException("fan-out lanes are closed");
    }
    BlockingQueue<Consumer<DrainBatch>> queue = queues[Math.floorMod(key.hashCode(), queues.length)];
    try {
      queue.put(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RejectedExecutionException("interrupted while waiting for a fan-out lane", e);
    }
  }

  private static void run(BlockingQueue<Consumer<DrainBatch>> queue) {
    DrainBatch drains = new DrainBatch();
    while (true) {
      Consumer<DrainBatch> task;
      try {
        task = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      int ran = 0;
      do {
        try {
          task.accept(drains);
        } catch (RuntimeException | Error e) {
          log.log(Level.SEVERE, "fan-out task failed", e);
        }
      } while (++ran < MAX_BURST && (task = queue.poll()) != null);
      drains.release();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread thread : threads) {
      thread.interrupt();
    }
  }
}
