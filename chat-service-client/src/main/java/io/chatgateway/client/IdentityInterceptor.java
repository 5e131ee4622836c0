package io.chatgateway.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Copies the {@link CallerIdentity} of the current context into the metadata of each upstream call.
 *
 * <p>The identity is read when the call is created, so the call must be created inside the context
 * of the request being served. Calls made outside any identity (health probes, the benchmark) carry
 * none and the core rejects them where it needs one.
 */
final class IdentityInterceptor implements ClientInterceptor {

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    CallerIdentity identity = CallerIdentity.current();
    ClientCall<ReqT, RespT> call = next.newCall(method, callOptions);
    if (identity == null) {
      return call;
    }
    return new SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        identity.writeTo(headers);
        super.start(responseListener, headers);
      }
    };
  }
}
