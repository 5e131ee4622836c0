package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * A call refused before it leaves the gateway: it ends with its status as soon as it starts and
 * ignores everything else. For interceptors that decide not to send a call at all (an open breaker,
 * a profile past its rate).
 */
public final class RefusedCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  private final Status status;

  public RefusedCall(Status status) {
    this.status = requireNonNull(status, "status");
  }

  @Override
  public void start(Listener<RespT> responseListener, Metadata headers) {
    responseListener.onClose(status, new Metadata());
  }

  @Override
  public void request(int numMessages) {}

  @Override
  public void cancel(String message, Throwable cause) {}

  @Override
  public void halfClose() {}

  @Override
  public void sendMessage(ReqT message) {}
}
