package io.chatgateway.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens verified recently, so that a caller making many short calls with one token pays for its
 * signature check and claims parsing once, not on every call (the forwarding benchmark's profile:
 * JWT verification was the gateway's largest own cost per unary call).
 *
 * <p>An entry is answered until the token's own expiry or {@link #MAX_AGE} after it was verified,
 * whichever is first: a key withdrawn from the JWKS stops vouching for its tokens within that time.
 * Only verified tokens are stored; a rejected one is checked again every time. At most {@code
 * capacity} entries: when full, the cache is emptied and refilled by use, which keeps memory bounded
 * without an LRU's bookkeeping on every hit. Thread-safe.
 */
final class VerifiedTokenCache {

  /** Longest an entry is trusted, whatever the token's expiry. */
  static final Duration MAX_AGE = Duration.ofMinutes(5);

  private record Entry(VerifiedToken token, Instant trustedUntil) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final int capacity;
  private final Clock clock;

  VerifiedTokenCache(int capacity, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.clock = clock;
  }

  /** The verified form of {@code token}, or null when it is not cached or no longer trusted. */
  VerifiedToken get(String token) {
    Entry entry = entries.get(token);
    if (entry == null) {
      return null;
    }
    if (!clock.instant().isBefore(entry.trustedUntil())) {
      entries.remove(token, entry);
      return null;
    }
    return entry.token();
  }

  /** Remembers that {@code token} verified as {@code verified}. */
  void put(String token, VerifiedToken verified) {
    Instant now = clock.instant();
    Instant trustedUntil = verified.expiresAt().isBefore(now.plus(MAX_AGE)) ? verified.expiresAt() : now.plus(MAX_AGE);
    if (entries.size() >= capacity) {
      entries.clear();
    }
    entries.put(token, new Entry(verified, trustedUntil));
  }

  int size() {
    return entries.size();
  }
}
