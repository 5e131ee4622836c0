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
 * Where a call's interceptors, handler and callbacks run: on the transport thread that read the call
 * when nothing on its way can block, otherwise on the call pool. Everything the gateway does in a
 * call is non-blocking (forwarding is asynchronous, sessions run on their connection's event loop)
 * except verifying a token against a JWKS endpoint, which may wait for the network; so a call stays
 * on the transport thread when its token verifies locally (HMAC keys, or a unary caller's token
 * verified moments ago). Calls without a usable token (health, reflection, and those about to be
 * refused) go to the pool.
 *
 * <p>The server's own executor must be the direct one ({@link GrpcServers} sets it): grpc-java runs
 * the method lookup and this choice on the server executor, so with a pool there every call paid a
 * hop to a pool thread before its executor was chosen, and {@code startCall} ran on that pool
 * thread whatever was chosen. That hop was most of what the gateway added to a forwarded unary call
 * over a bare pass-through proxy (README, forwarding figures).
 *
 * <p>Thread-safe; stateless apart from the verifier's own cache.
 */
final class CallExecutors implements ServerCallExecutorSupplier {

  /** Runs the call where grpc-java hands it over: the connection's event loop. */
  static final Executor TRANSPORT_THREAD = Runnable::run;

  private final JwtVerifier verifier;
  private final Executor pool;

  /** @param pool where calls that may block run; never the transport thread */
  CallExecutors(JwtVerifier verifier, Executor pool) {
    this.verifier = verifier;
    this.pool = pool;
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    String header = headers.get(AuthInterceptor.AUTHORIZATION);
    if (header == null) {
      return pool;
    }
    try {
      boolean repeated = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY;
      return verifier.verifiesWithoutBlocking(BearerHeader.token(header), repeated) ? TRANSPORT_THREAD : pool;
    } catch (TokenRejectedException malformed) {
      return pool; // the auth interceptor refuses it, off the event loop like any other refusal
    }
  }
}
