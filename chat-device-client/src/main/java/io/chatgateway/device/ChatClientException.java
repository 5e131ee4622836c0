package io.chatgateway.device;

import static java.util.Objects.requireNonNull;

import io.chatgateway.proto.v1.ErrorEvent;
import java.util.Optional;

/** Why a send or subscription of a {@link ChatClient} failed; completes the returned future exceptionally. */
public final class ChatClientException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What kind of failure. */
  public enum Kind {
    /** The outbox holds {@code maxOutbox} unacked sends; wait for acks before sending more. */
    OUTBOX_FULL,
    /** The gateway refused this request; {@link #error()} has its code. Retrying the same request fails again. */
    REJECTED,
    /** The client was closed before the gateway answered. */
    CLOSED,
    /** The client stopped for good ({@link ConnectionState#FAILED}) before the gateway answered. */
    FAILED,
    /** The argument was unusable (empty room id, a room event for another room). */
    INVALID
  }

  /** What kind of failure. */
  private final Kind kind;
  /** The gateway's error, for {@link Kind#REJECTED}; null otherwise. */
  private final ErrorEvent error;

  ChatClientException(Kind kind, String message, ErrorEvent error) {
    super(message);
    this.kind = requireNonNull(kind, "kind");
    this.error = error;
  }

  ChatClientException(Kind kind, String message) {
    this(kind, message, null);
  }

  /** What kind of failure. */
  public Kind kind() {
    return kind;
  }

  /** The gateway's error, for {@link Kind#REJECTED}. */
  public Optional<ErrorEvent> error() {
    return Optional.ofNullable(error);
  }
}
