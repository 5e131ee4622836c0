package io.chatgateway.client;

import java.util.List;
import java.util.Map;

/**
 * The gRPC service config that retries the core's idempotent reads.
 *
 * <p>Only reads are retried: a retried SendEvent could store an event twice if the first attempt
 * reached the core (devices make sends safe with {@code client_event_id} and retry themselves).
 * Only UNAVAILABLE is retried, the status of a call that never reached the core or whose connection
 * broke. gRPC's retry machinery also stops retrying once response data has been delivered.
 */
final class RetryPolicy {

  /** Methods of {@code chat.v1.ChatService} that only read and may be repeated freely. */
  static final List<String> IDEMPOTENT_READS =
      List.of("GetHistory", "GetRoom", "SearchRooms", "SearchRoomSubscriptions");

  private RetryPolicy() {}

  /**
   * The service config, in the map form {@code ManagedChannelBuilder.defaultServiceConfig} takes. One
   * attempt means no retry: gRPC refuses a retry policy of fewer than 2 attempts, so there is none.
   */
  static Map<String, Object> serviceConfig(int maxAttempts) {
    if (maxAttempts <= 1) {
      return Map.of();
    }
    List<Object> names =
        IDEMPOTENT_READS.stream()
            .<Object>map(method -> Map.of("service", "chat.v1.ChatService", "method", method))
            .toList();
    Map<String, Object> retry =
        Map.of(
            // The service config is JSON-shaped: numbers are doubles.
            "maxAttempts", (double) maxAttempts,
            "initialBackoff", "0.05s",
            "maxBackoff", "1s",
            "backoffMultiplier", 2.0,
            "retryableStatusCodes", List.of("UNAVAILABLE"));
    return Map.of("methodConfig", List.of(Map.of("name", names, "retryPolicy", retry)));
  }
}
