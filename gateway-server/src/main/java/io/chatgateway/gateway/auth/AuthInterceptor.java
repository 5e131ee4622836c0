package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Requires {@code authorization: Bearer <jwt>} on every call it guards and puts the verified
 * identity and token in the call's {@link Context} ({@link CallerIdentity#CONTEXT_KEY}, {@link
 * VerifiedToken#CONTEXT_KEY}). A missing or rejected token ends the call with UNAUTHENTICATED and a
 * description of why, before any application code runs.
 */
public final class AuthInterceptor implements ServerInterceptor {

  /** The header a caller's bearer token travels in. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final JwtVerifier verifier;

  public AuthInterceptor(JwtVerifier verifier) {
    this.verifier = requireNonNull(verifier, "verifier");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    VerifiedToken token;
    try {
      String jwt = BearerHeader.token(headers.get(AUTHORIZATION));
      // Unary callers repeat one token call after call; a stream verifies once, so keeps no cache entry.
      token = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY ? verifier.verifyRepeated(jwt) : verifier.verify(jwt);
    } catch (TokenRejectedException e) {
      return reject(call, e.getMessage());
    }
    Context context =
        Context.current()
            .withValue(CallerIdentity.CONTEXT_KEY, token.identity())
            .withValue(VerifiedToken.CONTEXT_KEY, token);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** Ends {@code call} with UNAUTHENTICATED saying {@code why}; nothing of the call is read. */
  static <ReqT, RespT> ServerCall.Listener<ReqT> reject(ServerCall<ReqT, RespT> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
