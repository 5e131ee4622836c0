package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;

/**
 * Requires {@code authorization: Bearer <jwt>} on every call it guards and puts the verified
 * identity and token in the call's {@link Context} ({@link CallerIdentity#CONTEXT_KEY}, {@link
 * VerifiedToken#CONTEXT_KEY}); a bidirectional stream's context has them only while its handler
 * starts it. A missing or rejected token ends the call with UNAUTHENTICATED and a
 * description of why, before any application code runs. A service principal's call acts as the
 * user it names only as {@link ServicePrincipals} allows (else PERMISSION_DENIED), opens a stream
 * only where they allow it, and is audited with its first message's room.
 */
public final class AuthInterceptor implements ServerInterceptor {

  /** The header a caller's bearer token travels in. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final JwtVerifier verifier;
  private final ServicePrincipals principals;

  public AuthInterceptor(JwtVerifier verifier, ServicePrincipals principals) {
    this.verifier = requireNonNull(verifier, "verifier");
    this.principals = requireNonNull(principals, "principals");
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
    String onBehalfOf;
    CallerIdentity identity;
    boolean bidi = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.BIDI_STREAMING;
    try {
      onBehalfOf = headers.get(ServicePrincipals.ON_BEHALF_OF);
      if (bidi) {
        principals.checkStream(token, onBehalfOf != null);
      }
      identity = principals.actingAs(token, onBehalfOf);
    } catch (StatusException e) {
      call.close(e.getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    } catch (IllegalArgumentException e) {
      call.close(Status.INVALID_ARGUMENT.withDescription(ServicePrincipals.ON_BEHALF_OF.name() + ": " + e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context context =
        Context.current()
            .withValue(CallerIdentity.CONTEXT_KEY, identity)
            .withValue(VerifiedToken.CONTEXT_KEY, token);
    ServerCall.Listener<ReqT> listener = bidi ? startedIn(context, call, headers, next) : Contexts.interceptCall(context, call, headers, next);
    return ServicePrincipals.audited(token) ? audited(listener, call.getMethodDescriptor(), token, onBehalfOf) : listener;
  }

  /**
   * Starts a device stream with the token in the context, which its handler takes at start: unlike
   * {@link Contexts#interceptCall}, the listener is not wrapped to attach the context to every
   * callback, so the context is not kept for the stream's hours (a stream's callbacks need none).
   */
  private static <ReqT, RespT> ServerCall.Listener<ReqT> startedIn(
      Context context, ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Context previous = context.attach();
    try {
      return next.startCall(call, headers);
    } finally {
      context.detach(previous);
    }
  }

  /** Audits the call when its first message (and with it the room) arrives; a stream, at its start. */
  private static <ReqT> ServerCall.Listener<ReqT> audited(ServerCall.Listener<ReqT> listener, MethodDescriptor<ReqT, ?> method, VerifiedToken token, String onBehalfOf) {
    if (method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING) {
      ServicePrincipals.audit(token, onBehalfOf, method.getFullMethodName(), null);
      return listener;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      private boolean written; // listener callbacks never overlap

      @Override
      public void onMessage(ReqT message) {
        if (!written) {
          written = true;
          ServicePrincipals.audit(token, onBehalfOf, method.getFullMethodName(), ServicePrincipals.roomOf(method, message));
        }
        super.onMessage(message);
      }
    };
  }

  /** Ends {@code call} with UNAUTHENTICATED saying {@code why}; nothing of the call is read. */
  static <ReqT, RespT> ServerCall.Listener<ReqT> reject(ServerCall<ReqT, RespT> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
