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
 * CallerIdentity#current()} for the call. Calls without one, or with one that cannot be read exactly
 * (not UTF-8, breaking the {@link io.chatgateway.client.Ids} rule), end with UNAUTHENTICATED.
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
      return reject(call, "caller identity refused: " + e.getMessage());
    }
    if (identity == null) {
      return reject(call, "no caller identity: the core is called by gateways, which send " + CallerIdentity.PROFILE_ID_KEY.name());
    }
    Context context = Context.current().withValue(CallerIdentity.CONTEXT_KEY, identity);
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> reject(ServerCall<ReqT, RespT> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
