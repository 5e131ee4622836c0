package io.chatgateway.gateway.engine;

import io.chatgateway.gateway.backplane.ResumeRecords;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * Subscriptions of recently closed sessions, kept for {@code ttl} under the session's resume token:
 * each room with the session's position in it (the sequence of the newest event it delivered), so a
 * device that reconnects with {@code hello.resume_token} gets its rooms back (membership is checked
 * again) and every event after those positions. Bounded in entries: when full, the oldest entry
 * goes first. A token works on this gateway only. Thread-safe.
 */
public final class InMemoryResumeRecords implements ResumeRecords {

  private record Entry(String profileId, Map<String, Long> positions, long expiresAtNanos) {}

  private final long ttlNanos;
  private final int maxEntries;
  // Guarded by this; insertion order is expiry order because the TTL is fixed.
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  private final LongSupplier ticker;

  /** @param ticker monotonic nanoseconds, for the TTL */
  public InMemoryResumeRecords(Duration ttl, int maxEntries, LongSupplier ticker) {
    this.ttlNanos = ttl.toNanos();
    this.maxEntries = maxEntries;
    this.ticker = ticker;
  }

  /** No: they live in this process. */
  @Override
  public boolean outliveGateway() {
    return false;
  }

  @Override
  public void save(String token, String profileId, Map<String, Long> positions) {
    save(token, profileId, positions, ticker.getAsLong());
  }

  @Override
  public CompletionStage<Map<String, Long>> take(String token, String profileId) {
    return CompletableFuture.completedFuture(take(token, profileId, ticker.getAsLong()));
  }

  /** Keeps {@code positions} (room to sequence) under {@code token} for the TTL. */
  synchronized void save(String token, String profileId, Map<String, Long> positions, long nowNanos) {
    if (ttlNanos == 0 || positions.isEmpty()) {
      return;
    }
    evictExpired(nowNanos);
    entries.put(token, new Entry(profileId, Map.copyOf(positions), nowNanos + ttlNanos));
    Iterator<String> oldest = entries.keySet().iterator();
    while (entries.size() > maxEntries && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * The positions saved under {@code token} for {@code profileId}, consumed; empty if unknown, expired or
   * someone else's. Only the owner consumes a token: another profile presenting it learns nothing and
   * leaves it for the owner's own resume.
   */
  synchronized Map<String, Long> take(String token, String profileId, long nowNanos) {
    Entry entry = entries.get(token);
    if (entry == null) {
      return Map.of();
    }
    if (entry.expiresAtNanos() < nowNanos) {
      entries.remove(token);
      return Map.of();
    }
    if (!entry.profileId().equals(profileId)) {
      return Map.of();
    }
    entries.remove(token);
    return entry.positions();
  }

  private void evictExpired(long nowNanos) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (it.hasNext() && it.next().getValue().expiresAtNanos() < nowNanos) {
      it.remove();
    }
  }
}
