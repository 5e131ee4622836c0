package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Set;

/**
 * The standalone core's door: a call may say whom it acts for (the caller identity metadata) only
 * if it carries a token the core verifies, issued to one of the trusted gateway clients ({@code
 * CORE_TRUSTED_CLIENTS}). Anyone else, a device that found the core's port or a service with a
 * user's token, gets UNAUTHENTICATED before the identity is read.
 *
 * <p>Every call is unary or short: tokens are verified through the verifier's cache of recent
 * tokens, so a gateway's token, the same on every call until it is renewed, costs one verification.
 */
public final class TrustedGatewayInterceptor implements ServerInterceptor {

  private final JwtVerifier verifier;
  private final Set<String> trustedClients;

  public TrustedGatewayInterceptor(JwtVerifier verifier, Set<String> trustedClients) {
    this.verifier = requireNonNull(verifier, "verifier");
    this.trustedClients = Set.copyOf(trustedClients);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String header = headers.get(AuthInterceptor.AUTHORIZATION);
    if (header == null) {
      return AuthInterceptor.reject(call, "the core serves gateways only: no authorization token on the call");
    }
    VerifiedToken token;
    try {
      token = verifier.verifyRepeated(BearerHeader.token(header));
    } catch (TokenRejectedException e) {
      return AuthInterceptor.reject(call, "the core serves gateways only: " + e.getMessage());
    }
    if (token.clientId().isEmpty() || !trustedClients.contains(token.clientId().get())) {
      return AuthInterceptor.reject(call, "the core serves gateways only: the token's client " + token.clientId().orElse("(none)") + " is not in CORE_TRUSTED_CLIENTS");
    }
    return next.startCall(call, headers);
  }
}
