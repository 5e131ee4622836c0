package io.chatgateway.gateway.limits;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Device streams per client address, on every transport together: at most {@code
 * MAX_CONNECTIONS_PER_IP} open at once, and at most {@code CONNECTION_RATE_PER_IP} new ones per
 * second (a token bucket holding one second's worth, so a device that reconnects at once is never
 * refused, a reconnect loop or a flood from one address is). Either bound at 0 is off.
 *
 * <p>A caller admitted by {@link #tryOpen} reports the stream's end exactly once with {@link
 * #closed}. Thread-safe: each address's entry is changed only inside {@link ConcurrentHashMap#compute},
 * and dropped once it holds no stream and its bucket is full again ({@link #prune}, from a
 * scheduler), so memory follows the addresses that are active.
 */
public final class AddressLimits {

  /** Why a stream was refused. */
  public enum Refusal {
    /** {@code MAX_CONNECTIONS_PER_IP} streams of this address are open. */
    TOO_MANY,
    /** {@code CONNECTION_RATE_PER_IP} streams of this address were opened in the last second. */
    TOO_FAST
  }

  private final int maxOpen;
  private final int perSecond;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();
  private final LongAdder refusedTooMany = new LongAdder();
  private final LongAdder refusedTooFast = new LongAdder();

  /** An address's open streams and its opening budget; changed only inside {@code compute}. */
  private static final class Entry {
    int open;
    double tokens;
    long refilledAt;
  }

  /**
   * @param maxOpen streams open at once per address; 0 for no bound
   * @param perSecond streams opened per second per address; 0 for no bound
   */
  public AddressLimits(int maxOpen, int perSecond, LongSupplier nanoTime) {
    if (maxOpen < 0 || perSecond < 0) {
      throw new IllegalArgumentException("bounds must not be negative");
    }
    this.maxOpen = maxOpen;
    this.perSecond = perSecond;
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  /** Whether any bound is on; when not, {@link #tryOpen} admits everything without keeping state. */
  public boolean enabled() {
    return maxOpen > 0 || perSecond > 0;
  }

  /** Admits a new stream of {@code client}, or says why not (and counts the refusal). */
  public Refusal tryOpen(InetAddress client) {
    if (!enabled()) {
      return null;
    }
    long now = nanoTime.getAsLong();
    Refusal[] answer = new Refusal[1]; // this call's own: the entry is shared with other threads
    entries.compute(
        client,
        (address, existing) -> {
          Entry e = existing != null ? existing : fresh(now);
          refill(e, now);
          if (maxOpen > 0 && e.open >= maxOpen) {
            answer[0] = Refusal.TOO_MANY;
          } else if (perSecond > 0 && e.tokens < 1) {
            answer[0] = Refusal.TOO_FAST;
          } else {
            e.open++;
            if (perSecond > 0) {
              e.tokens -= 1;
            }
          }
          return e;
        });
    Refusal refusal = answer[0];
    if (refusal == Refusal.TOO_MANY) {
      refusedTooMany.increment();
    } else if (refusal == Refusal.TOO_FAST) {
      refusedTooFast.increment();
    }
    return refusal;
  }

  /** A stream {@link #tryOpen} admitted has ended. */
  public void closed(InetAddress client) {
    if (!enabled()) {
      return;
    }
    entries.computeIfPresent(
        client,
        (address, e) -> {
          e.open = Math.max(0, e.open - 1);
          return e;
        });
  }

  /** Drops the entries of addresses with no stream whose budget is whole again. */
  public void prune() {
    long now = nanoTime.getAsLong();
    for (InetAddress address : entries.keySet()) {
      entries.computeIfPresent(
          address,
          (a, e) -> {
            refill(e, now);
            return e.open == 0 && (perSecond == 0 || e.tokens >= perSecond) ? null : e;
          });
    }
  }

  private Entry fresh(long now) {
    Entry e = new Entry();
    e.tokens = perSecond;
    e.refilledAt = now;
    return e;
  }

  private void refill(Entry e, long now) {
    if (perSecond > 0) {
      double earned = (now - e.refilledAt) * (double) perSecond / TimeUnit.SECONDS.toNanos(1);
      e.tokens = Math.min(perSecond, e.tokens + earned);
    }
    e.refilledAt = now;
  }

  /** Open streams of {@code client} as counted here. */
  public int open(InetAddress client) {
    int[] open = new int[1];
    entries.computeIfPresent(client, (address, e) -> {
      open[0] = e.open;
      return e;
    });
    return open[0];
  }

  /** Addresses with an entry: those with streams or a budget still refilling. */
  public int addresses() {
    return entries.size();
  }

  public long refused(Refusal why) {
    return why == Refusal.TOO_MANY ? refusedTooMany.sum() : refusedTooFast.sum();
  }

  /** What a refused client is told; names the bound's variable. */
  public String describe(Refusal refusal, InetAddress client) {
    return refusal == Refusal.TOO_MANY
        ? "too many streams from " + client.getHostAddress() + " (MAX_CONNECTIONS_PER_IP=" + maxOpen + "); close one or retry later"
        : "streams from " + client.getHostAddress() + " are opened too fast (CONNECTION_RATE_PER_IP=" + perSecond + " per second); retry in a second";
  }
}
