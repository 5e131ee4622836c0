package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

/** Why a session ended ({@link CloseCode}, mapped by each transport) and a message for the device. */
public record CloseReason(CloseCode code, String message) {

  public CloseReason {
    requireNonNull(code, "code");
    requireNonNull(message, "message");
  }
}
