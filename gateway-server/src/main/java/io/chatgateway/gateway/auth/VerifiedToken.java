package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.grpc.Context;
import java.time.Instant;

/** A token that passed verification: who it names and until when it is valid. */
public record VerifiedToken(CallerIdentity identity, Instant expiresAt) {

  /** Where the gateway keeps the token of the call being served, beside the identity. */
  public static final Context.Key<VerifiedToken> CONTEXT_KEY = Context.key("chat-verified-token");

  public VerifiedToken {
    requireNonNull(identity, "identity");
    requireNonNull(expiresAt, "expiresAt");
  }
}
