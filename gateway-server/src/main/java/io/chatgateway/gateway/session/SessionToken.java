package io.chatgateway.gateway.session;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.TokenRejectedException;
import io.chatgateway.gateway.auth.VerifiedToken;
import java.time.Instant;
import java.util.Optional;

/**
 * The access token a session runs on: who it names and when it expires. A {@code refresh_token}
 * frame moves the expiry on, with a valid token for the same profile and device only.
 *
 * <p>Threading: refreshed on the session's executor; the expiry is volatile for the sweeper.
 */
final class SessionToken {

  private final CallerIdentity identity;
  private volatile long expiresAtMillis; // not an Instant: one object less per session

  SessionToken(VerifiedToken token) {
    this.identity = token.identity();
    this.expiresAtMillis = token.expiresAt().toEpochMilli();
  }

  CallerIdentity identity() {
    return identity;
  }

  Instant expiresAt() {
    return Instant.ofEpochMilli(expiresAtMillis);
  }

  boolean expiredAt(long nowMillis) {
    return nowMillis > expiresAtMillis;
  }

  /** Verifies {@code accessToken} and takes its expiry; returns why it was refused, if it was. */
  Optional<String> refresh(JwtVerifier verifier, String accessToken) {
    VerifiedToken fresh;
    try {
      fresh = verifier.verify(accessToken);
    } catch (TokenRejectedException e) {
      return Optional.of(e.getMessage());
    }
    if (!fresh.identity().equals(identity)) {
      return Optional.of("the new token names another profile or device");
    }
    expiresAtMillis = fresh.expiresAt().toEpochMilli();
    return Optional.empty();
  }
}
