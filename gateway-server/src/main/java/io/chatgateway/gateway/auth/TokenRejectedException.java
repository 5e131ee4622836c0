package io.chatgateway.gateway.auth;

/** A token failed verification; the message says why in words safe to return to the caller. */
public final class TokenRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  public TokenRejectedException(String message) {
    super(message);
  }
}
