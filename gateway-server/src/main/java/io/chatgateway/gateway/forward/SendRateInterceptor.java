package io.chatgateway.gateway.forward;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.RefusedCall;
import io.chatgateway.gateway.backplane.ProfileRates;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Holds every {@code SendEvent} on its way to the core to the caller's profile rate ({@code
 * MAX_PROFILE_EVENTS_PER_SECOND}), whichever way it came: forwarded over gRPC, over the Connect
 * protocol, or from a device stream's {@code send} frame. A refused call never leaves the gateway
 * and ends with RESOURCE_EXHAUSTED naming the bound; devices see it as their transport's rate error
 * (HTTP 429, or a {@code RATE_LIMITED} error frame on a stream).
 */
public final class SendRateInterceptor implements ClientInterceptor {

  private static final String SEND_EVENT = ChatServiceGrpc.getSendEventMethod().getFullMethodName();

  private final ProfileRates rates;

  public SendRateInterceptor(ProfileRates rates) {
    this.rates = requireNonNull(rates, "rates");
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    if (!method.getFullMethodName().equals(SEND_EVENT)) {
      return next.newCall(method, options);
    }
    CallerIdentity caller = CallerIdentity.current();
    if (caller == null || rates.tryAcquire(caller.profileId())) {
      return next.newCall(method, options); // no caller: the core refuses it as unauthenticated
    }
    return new RefusedCall<>(
        Status.RESOURCE_EXHAUSTED.withDescription(
            "profile " + caller.profileId() + " sent more than " + rates.perSecond() + " events in this second on all its devices (MAX_PROFILE_EVENTS_PER_SECOND); retry in a second"));
  }
}
