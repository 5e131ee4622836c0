package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * How the gateway reaches and protects itself from the core.
 *
 * @param callTimeout deadline of every upstream call unless the caller's own deadline is sooner
 * @param breakerFailureThreshold consecutive failures (UNAVAILABLE, DEADLINE_EXCEEDED) that open the
 *     breaker
 * @param breakerOpenDuration how long the breaker fails fast before it lets one probe through
 * @param readRetryAttempts total attempts (first try included) for idempotent reads, 1 to 5
 * @param useTls whether the channel to a remote core uses TLS
 * @param serviceCredentials the gateway's own OAuth2 client, whose token goes with every call; empty:
 *     calls carry only the caller's identity
 */
public record UpstreamConfig(
    Duration callTimeout,
    int breakerFailureThreshold,
    Duration breakerOpenDuration,
    int readRetryAttempts,
    boolean useTls,
    Optional<ClientCredentials> serviceCredentials) {

  /** Defaults: 5 s calls, breaker opens after 5 failures for 5 s, reads tried 3 times, plaintext. */
  public static final UpstreamConfig DEFAULTS =
      new UpstreamConfig(Duration.ofSeconds(5), 5, Duration.ofSeconds(5), 3, false);

  /** Without service credentials. */
  public UpstreamConfig(Duration callTimeout, int breakerFailureThreshold, Duration breakerOpenDuration, int readRetryAttempts, boolean useTls) {
    this(callTimeout, breakerFailureThreshold, breakerOpenDuration, readRetryAttempts, useTls, Optional.empty());
  }

  public UpstreamConfig {
    requireNonNull(serviceCredentials, "serviceCredentials");
    requireNonNull(callTimeout, "callTimeout");
    requireNonNull(breakerOpenDuration, "breakerOpenDuration");
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive");
    }
    if (breakerFailureThreshold < 1) {
      throw new IllegalArgumentException("breakerFailureThreshold must be at least 1");
    }
    if (breakerOpenDuration.isNegative() || breakerOpenDuration.isZero()) {
      throw new IllegalArgumentException("breakerOpenDuration must be positive");
    }
    if (readRetryAttempts < 1 || readRetryAttempts > 5) {
      throw new IllegalArgumentException("readRetryAttempts must be 1 to 5");
    }
  }
}
