package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Status;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes {@link ServerEvent}s with this gateway's ids and the current time, and maps gRPC statuses to
 * the stream's error codes. Thread-safe.
 */
public final class ServerEvents {

  private final String idPrefix;
  private final Clock clock;
  private final AtomicLong counter = new AtomicLong();

  public ServerEvents(String gatewayId, Clock clock) {
    this.idPrefix = requireNonNull(gatewayId, "gatewayId") + "-";
    this.clock = requireNonNull(clock, "clock");
  }

  /** A builder with a fresh id, the current time, and {@code frameId} (empty when none). */
  public ServerEvent.Builder builder(String frameId) {
    return ServerEvent.newBuilder()
        .setId(idPrefix + Long.toString(counter.incrementAndGet(), 36))
        .setTimestamp(Timestamps.fromMillis(clock.millis()))
        .setFrameId(frameId);
  }

  /** An error event answering {@code frameId}. */
  public OutboundEvent error(String frameId, ErrorCode code, String message, boolean fatal, Map<String, String> meta) {
    return OutboundEvent.of(
        builder(frameId)
            .setError(ErrorEvent.newBuilder().setCode(code).setMessage(message).setFatal(fatal).putAllMeta(meta))
            .build());
  }

  /** The stream error code for a status the core answered with. */
  public static ErrorCode codeFor(Status.Code status) {
    return switch (status) {
      case PERMISSION_DENIED -> ErrorCode.ERROR_CODE_PERMISSION_DENIED;
      case NOT_FOUND -> ErrorCode.ERROR_CODE_NOT_FOUND;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, OUT_OF_RANGE -> ErrorCode.ERROR_CODE_INVALID_ARGUMENT;
      case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED -> ErrorCode.ERROR_CODE_UNAVAILABLE;
      case UNAUTHENTICATED -> ErrorCode.ERROR_CODE_UNAUTHENTICATED;
      case RESOURCE_EXHAUSTED -> ErrorCode.ERROR_CODE_RATE_LIMITED;
      default -> ErrorCode.ERROR_CODE_INTERNAL;
    };
  }
}
