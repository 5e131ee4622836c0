package io.chatgateway.gateway.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Subscriptions of recently closed sessions, kept for {@code ttl} under the session's resume token,
 * so a device that reconnects with {@code hello.resume_token} gets its rooms back (membership is
 * checked again). Bounded in entries: when full, the oldest entry goes first. Thread-safe.
 */
final class ResumeStore {

  private record Entry(String profileId, Set<String> rooms, long expiresAtNanos) {}

  private final SecureRandom random = new SecureRandom();
  private final long ttlNanos;
  private final int maxEntries;
  // Guarded by this; insertion order is expiry order because the TTL is fixed.
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  ResumeStore(java.time.Duration ttl, int maxEntries) {
    this.ttlNanos = ttl.toNanos();
    this.maxEntries = maxEntries;
  }

  /** A new unguessable token. */
  String newToken() {
    byte[] bytes = new byte[18];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  synchronized void save(String token, String profileId, Set<String> rooms, long nowNanos) {
    if (ttlNanos == 0 || rooms.isEmpty()) {
      return;
    }
    evictExpired(nowNanos);
    entries.put(token, new Entry(profileId, Set.copyOf(rooms), nowNanos + ttlNanos));
    Iterator<String> oldest = entries.keySet().iterator();
    while (entries.size() > maxEntries && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * The rooms saved under {@code token} for {@code profileId}, consumed; empty if unknown, expired or
   * someone else's. Only the owner consumes a token: another profile presenting it learns nothing and
   * leaves it for the owner's own resume.
   */
  synchronized Set<String> take(String token, String profileId, long nowNanos) {
    Entry entry = entries.get(token);
    if (entry == null) {
      return Set.of();
    }
    if (entry.expiresAtNanos() < nowNanos) {
      entries.remove(token);
      return Set.of();
    }
    if (!entry.profileId().equals(profileId)) {
      return Set.of();
    }
    entries.remove(token);
    return entry.rooms();
  }

  private void evictExpired(long nowNanos) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (it.hasNext() && it.next().getValue().expiresAtNanos() < nowNanos) {
      it.remove();
    }
  }
}
