package io.chatgateway.gateway.session;

/**
 * What a transport (gRPC stream, WebSocket) provides to its {@link DeviceSession}. The session calls
 * {@link #send}, {@link #close} and {@link #requestFrames} only from its own executor, one call at a
 * time; {@link #isReady} may be called from any thread.
 */
public interface SessionTransport {

  /** Short name for logs and metrics, such as {@code grpc}. */
  String kind();

  /** The peer's address, for logs and connection metadata. */
  String remoteAddress();

  /** Whether the transport can take another event without buffering beyond its own window. */
  boolean isReady();

  /** Writes one encoded event. */
  void send(OutboundEvent event);

  /** Ends the stream; nothing is sent after this. Called at most once. */
  void close(CloseReason reason);

  /** Lets the transport deliver {@code count} more inbound frames (inbound flow control). */
  void requestFrames(int count);

  /**
   * Called by the session sweeper, on its one thread, every sweep (250 ms) while the session is
   * open: a transport that must show its peer and the network between that the connection lives
   * (WebSocket pings) does so here when it is due, with no timer of its own per connection.
   */
  default void keepAlive(long nowNanos) {}
}
