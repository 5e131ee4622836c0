package io.chatgateway.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Puts every upstream call through a {@link CircuitBreaker}: refused calls fail at once with
 * UNAVAILABLE, admitted calls report their final status (after gRPC's own retries) to the breaker.
 */
final class CircuitBreakerInterceptor implements ClientInterceptor {

  private final CircuitBreaker breaker;

  CircuitBreakerInterceptor(CircuitBreaker breaker) {
    this.breaker = breaker;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    CircuitBreaker.Permit permit = breaker.tryAcquire();
    if (permit == null) {
      Status refused =
          Status.UNAVAILABLE.withDescription(
              "chat core unavailable (circuit open, next attempt in "
                  + breaker.millisUntilProbe()
                  + " ms)");
      return new RefusedCall<>(refused);
    }
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        Listener<RespT> reporting =
            new SimpleForwardingClientCallListener<>(responseListener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                permit.complete(status.getCode());
                super.onClose(status, trailers);
              }
            };
        try {
          super.start(reporting, headers);
        } catch (RuntimeException e) {
          permit.complete(Status.Code.CANCELLED);
          throw e;
        }
      }
    };
  }
}
