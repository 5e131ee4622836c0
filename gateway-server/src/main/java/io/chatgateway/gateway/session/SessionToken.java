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

  /**
   * A {@code refresh_token} frame's token, verified: the token, or why it was refused. Any thread;
   * may wait for the JWKS endpoint (see {@link JwtVerifier#verifiesWithoutBlocking}).
   */
  static Verification verify(JwtVerifier verifier, String accessToken) {
    try {
      return new Verification(verifier.verify(accessToken), null);
    } catch (TokenRejectedException e) {
      return new Verification(null, e.getMessage());
    }
  }

  /**
   * Takes the expiry of a verified token for the same profile and device; returns why the refresh
   * was refused, if it was. Executor only.
   */
  Optional<String> refresh(Verification verification) {
    if (verification.refusal() != null) {
      return Optional.of(verification.refusal());
    }
    if (!verification.token().identity().equals(identity)) {
      return Optional.of("the new token names another profile or device");
    }
    expiresAtMillis = verification.token().expiresAt().toEpochMilli();
    return Optional.empty();
  }

  /** What {@link #verify} found: a token, or (token null) why there is none. */
  record Verification(VerifiedToken token, String refusal) {}
}
