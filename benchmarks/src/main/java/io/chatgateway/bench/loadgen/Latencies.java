package io.chatgateway.bench.loadgen;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publish-to-deliver latencies of one measurement window. Recording is lock-free (any thread); a
 * recorder holds at most {@code capacity} samples and counts the rest, which every delivery still
 * adds to {@link #count}. Read {@link #percentile} only after recording has stopped.
 */
public final class Latencies {

  private final long[] samples;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLong count = new AtomicLong();
  private volatile boolean recording;
  private long[] sorted;

  public Latencies(int capacity) {
    this.samples = new long[capacity];
  }

  /** Starts counting; deliveries before this are warm-up. */
  public void start() {
    recording = true;
  }

  /** Stops counting; later deliveries are ignored. */
  public void stop() {
    recording = false;
  }

  public void record(long nanos) {
    if (!recording) {
      return;
    }
    count.incrementAndGet();
    int slot = next.getAndIncrement();
    if (slot < samples.length) {
      samples[slot] = nanos;
    }
  }

  /** Deliveries recorded while recording was on. */
  public long count() {
    return count.get();
  }

  /** The {@code p}-th percentile (0 to 100) in microseconds, or NaN without samples. */
  public synchronized double percentileMicros(double p) {
    if (sorted == null) {
      sorted = Arrays.copyOf(samples, Math.min(next.get(), samples.length));
      Arrays.sort(sorted);
    }
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1_000.0;
  }
}
