package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.grpc.Context;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A token that passed verification: who it names (a user, or a service principal), until when it
 * is valid, the OAuth2 client it was issued to ({@code client_id}, RFC 9068, else {@code azp}) when
 * it says, and its scopes ({@code scope}, space-separated, or {@code scp}).
 */
public record VerifiedToken(CallerIdentity identity, Instant expiresAt, Optional<String> clientId, Set<String> scopes) {

  /** Where the gateway keeps the token of the call being served, beside the identity. */
  public static final Context.Key<VerifiedToken> CONTEXT_KEY = Context.key("chat-verified-token");

  public VerifiedToken {
    requireNonNull(identity, "identity");
    requireNonNull(expiresAt, "expiresAt");
    requireNonNull(clientId, "clientId");
    scopes = Set.copyOf(scopes);
  }

  /** A token that names no client and no scope. */
  public VerifiedToken(CallerIdentity identity, Instant expiresAt) {
    this(identity, expiresAt, Optional.empty(), Set.of());
  }
}
