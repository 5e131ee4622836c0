package io.chatgateway.gateway.forward;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Relays one server call to the same method upstream, message by message, with flow control on both
 * legs: the next message is requested from one side only when the other side is ready to take it, so
 * a slow device never makes the gateway buffer a fast core's responses (and vice versa).
 *
 * <p>The upstream call is created in the server call's {@link io.grpc.Context}, so it inherits the
 * caller's deadline and identity and is cancelled when the device cancels. The device's metadata is
 * not forwarded: the core learns who is calling from the identity the gateway verified.
 *
 * <p>Threading: server-listener callbacks are serialized by gRPC, and so are client-listener
 * callbacks; each side only calls the other side's thread-safe {@code request}, {@code isReady} and
 * {@code cancel}, or methods that only that side's serialized callbacks call.
 */
final class ForwardingCallHandler<ReqT, RespT> implements ServerCallHandler<ReqT, RespT> {

  private final MethodDescriptor<ReqT, RespT> upstreamMethod;
  private final Channel upstream;

  ForwardingCallHandler(MethodDescriptor<ReqT, RespT> upstreamMethod, Channel upstream) {
    this.upstreamMethod = requireNonNull(upstreamMethod, "upstreamMethod");
    this.upstream = requireNonNull(upstream, "upstream");
  }

  @Override
  public ServerCall.Listener<ReqT> startCall(ServerCall<ReqT, RespT> serverCall, Metadata headers) {
    ClientCall<ReqT, RespT> clientCall = upstream.newCall(upstreamMethod, CallOptions.DEFAULT);
    Relay<ReqT, RespT> relay = new Relay<>(serverCall, clientCall);
    clientCall.start(relay.fromUpstream, new Metadata());
    clientCall.request(1);
    serverCall.request(1);
    return relay.fromDevice;
  }

  private static final class Relay<ReqT, RespT> {
    private final ServerCall<ReqT, RespT> serverCall;
    private final ClientCall<ReqT, RespT> clientCall;
    // Set when a message was relayed to a side that was not ready; cleared by whoever requests next.
    private final AtomicBoolean awaitingUpstreamReady = new AtomicBoolean();
    private final AtomicBoolean awaitingDeviceReady = new AtomicBoolean();
    private boolean headersSent; // touched only in client-listener callbacks

    Relay(ServerCall<ReqT, RespT> serverCall, ClientCall<ReqT, RespT> clientCall) {
      this.serverCall = serverCall;
      this.clientCall = clientCall;
    }

    final ServerCall.Listener<ReqT> fromDevice =
        new ServerCall.Listener<>() {
          @Override
          public void onMessage(ReqT message) {
            clientCall.sendMessage(message);
            requestWhenReady(awaitingUpstreamReady, clientCall::isReady, () -> serverCall.request(1));
          }

          @Override
          public void onHalfClose() {
            clientCall.halfClose();
          }

          @Override
          public void onCancel() {
            clientCall.cancel("device cancelled the call", null);
          }

          @Override
          public void onReady() {
            if (awaitingDeviceReady.compareAndSet(true, false)) {
              clientCall.request(1);
            }
          }
        };

    final ClientCall.Listener<RespT> fromUpstream =
        new ClientCall.Listener<>() {
          @Override
          public void onHeaders(Metadata upstreamHeaders) {
            // The core's own headers describe the core-to-gateway hop; the device gets fresh ones.
            sendHeadersOnce();
          }

          @Override
          public void onMessage(RespT message) {
            sendHeadersOnce();
            serverCall.sendMessage(message);
            requestWhenReady(awaitingDeviceReady, serverCall::isReady, () -> clientCall.request(1));
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            // Trailers carry error details (grpc-status-details-bin) the device may need.
            serverCall.close(status, trailers);
          }

          @Override
          public void onReady() {
            if (awaitingUpstreamReady.compareAndSet(true, false)) {
              serverCall.request(1);
            }
          }
        };

    private void sendHeadersOnce() {
      if (!headersSent) {
        headersSent = true;
        serverCall.sendHeaders(new Metadata());
      }
    }

    /**
     * Requests the next message now if the receiving side is ready, else leaves that to its onReady.
     * The flag is raised before readiness is checked again, so an onReady that fires in between is
     * not lost; the compare-and-set makes sure only one of the two requests.
     */
    private static void requestWhenReady(AtomicBoolean awaiting, BooleanSupplier isReady, Runnable request) {
      if (isReady.getAsBoolean()) {
        request.run();
        return;
      }
      awaiting.set(true);
      if (isReady.getAsBoolean() && awaiting.compareAndSet(true, false)) {
        request.run();
      }
    }
  }
}
