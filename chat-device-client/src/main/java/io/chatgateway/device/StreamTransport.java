package io.chatgateway.device;

import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Status;
import java.util.concurrent.CompletionStage;

/**
 * How the client reaches a gateway: device streams and the GetHistory reads of a gap fill.
 * {@link GrpcTransport} over a gRPC channel in production; a recording fake in the state machine's
 * unit tests.
 */
interface StreamTransport {

  /**
   * Opens a Connect stream authenticated with {@code token}. Nothing is read until {@link
   * Stream#request}; {@code handler} is called on transport threads, in order.
   */
  Stream open(String token, Handler handler);

  /** One GetHistory call with {@code token}; the stage completes on a transport thread. */
  CompletionStage<GetHistoryResponse> history(String token, GetHistoryRequest request);

  /** An open stream. Its methods are called from the client's loop only. */
  interface Stream {
    /** Writes a frame. */
    void send(ConnectRequest frame);

    /** Asks for {@code count} more messages (inbound flow control). */
    void request(int count);

    /** Ends the stream normally (half-close); the gateway closes its side. */
    void finish();

    /** Abandons the stream; {@link Handler#onClosed} follows with CANCELLED. */
    void cancel(String why);
  }

  /** What a stream reports. */
  interface Handler {
    /** One message from the gateway. */
    void onEvent(ServerEvent event);

    /** The stream ended; nothing follows. */
    void onClosed(Status status);
  }
}
