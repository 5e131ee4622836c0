package io.chatgateway.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every upstream call a deadline of at most the configured timeout.
 *
 * <p>A shorter deadline wins: one already on the call options is kept, and grpc-java itself applies
 * the deadline of the current {@link io.grpc.Context} (the device's own deadline, when the gateway
 * forwards inside the server call's context), taking the sooner of the two.
 */
final class DeadlineInterceptor implements ClientInterceptor {

  private final long timeoutNanos;

  DeadlineInterceptor(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    Deadline ours = Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS);
    Deadline existing = callOptions.getDeadline();
    if (existing == null || ours.isBefore(existing)) {
      callOptions = callOptions.withDeadline(ours);
    }
    return next.newCall(method, callOptions);
  }
}
