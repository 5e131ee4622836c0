package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;

/**
 * Why a session ended, as a gRPC status code (which the WebSocket bridge maps to a close code) and a
 * message for the device.
 */
public record CloseReason(Status.Code code, String message) {

  public CloseReason {
    requireNonNull(code, "code");
    requireNonNull(message, "message");
  }

  public Status toStatus() {
    return Status.fromCode(code).withDescription(message);
  }
}
