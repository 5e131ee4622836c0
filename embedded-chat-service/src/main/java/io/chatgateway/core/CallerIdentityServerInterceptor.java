package io.chatgateway.core;

import io.chatgateway.client.CallerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Reads the caller identity the gateway put in the metadata and makes it {@link
 * CallerIdentity#current()} for the call; calls without one end with UNAUTHENTICATED.
 *
 * <p>The core trusts this metadata: it must only be reachable by gateways.
 */
public final class CallerIdentityServerInterceptor implements ServerInterceptor {

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    CallerIdentity identity;
    try {
      identity = CallerIdentity.fromMetadata(headers);
    } catch (IllegalArgumentException e) {
      identity = null;
    }
    if (identity == null) {
      call.close(
          Status.UNAUTHENTICATED.withDescription(
              "no caller identity: the core is called by gateways, which send " + CallerIdentity.PROFILE_ID_KEY.name()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValue(CallerIdentity.CONTEXT_KEY, identity);
    return Contexts.interceptCall(context, call, headers, next);
  }
}
