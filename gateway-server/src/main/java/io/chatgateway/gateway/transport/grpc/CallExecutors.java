package io.chatgateway.gateway.transport.grpc;

import io.chatgateway.gateway.auth.AuthInterceptor;
import io.chatgateway.gateway.auth.BearerHeader;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.TokenRejectedException;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Where a call's callbacks run: on the transport thread that read the call when nothing on its way
 * can block, otherwise on the server's call pool. Everything the gateway does in a call's callbacks
 * is non-blocking (forwarding is asynchronous, sessions hand frames to their own executors) except
 * verifying a token against a JWKS endpoint, which may wait for the network; so a call runs on the
 * transport thread when its token verifies locally (HMAC keys, or a unary caller's token verified
 * moments ago). Saving the hop to a pool thread and back was most of what forwarding a unary call
 * cost (see the README's forwarding figures). Calls without a token (health, reflection, and those
 * about to be refused) use the pool.
 */
final class CallExecutors implements ServerCallExecutorSupplier {

  private static final Executor TRANSPORT_THREAD = Runnable::run;

  private final JwtVerifier verifier;

  CallExecutors(JwtVerifier verifier) {
    this.verifier = verifier;
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    String header = headers.get(AuthInterceptor.AUTHORIZATION);
    if (header == null) {
      return null;
    }
    try {
      boolean repeated = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY;
      return verifier.verifiesWithoutBlocking(BearerHeader.token(header), repeated) ? TRANSPORT_THREAD : null;
    } catch (TokenRejectedException malformed) {
      return null; // the auth interceptor refuses it, on the pool
    }
  }
}
