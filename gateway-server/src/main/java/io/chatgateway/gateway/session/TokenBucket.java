package io.chatgateway.gateway.session;

/**
 * Allows {@code ratePerSecond} events per second on average and bursts of up to {@code capacity}.
 * Not thread-safe: owned by one session's executor.
 */
final class TokenBucket {

  private final double capacity;
  private final double tokensPerNano;
  private double tokens;
  private long lastRefillNanos;

  TokenBucket(int ratePerSecond, int capacity, long nowNanos) {
    this.capacity = capacity;
    this.tokensPerNano = ratePerSecond / 1e9;
    this.tokens = capacity;
    this.lastRefillNanos = nowNanos;
  }

  /** Takes one token if there is one. */
  boolean tryTake(long nowNanos) {
    long elapsed = nowNanos - lastRefillNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
      lastRefillNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
