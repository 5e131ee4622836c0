package io.chatgateway.gateway.session;

/**
 * What the session core reports for metrics. Implementations must be cheap and thread-safe: these are
 * called on hot paths (every frame, every fan-out). {@link #NONE} records nothing.
 */
public interface SessionMetrics {

  /** A stream was opened on {@code transport} ({@code grpc}, {@code websocket}). */
  void sessionOpened(String transport);

  /** A stream ended; {@code reason} is a small fixed set (gRPC status names, or {@code disconnected}). */
  void sessionClosed(String transport, String reason);

  /** A frame of kind {@code frame} (hello, send, ping, ...) was accepted. */
  void frameReceived(String frame);

  /** A frame was refused by the rate limiter. */
  void frameRateLimited();

  /** A session was cut because it read too slowly. */
  void slowConsumerCut();

  /** {@code count} events were written to devices. */
  void eventsSent(int count);

  /** {@code count} presence events were queued for devices (after coalescing, see PRESENCE_COALESCE_MS). */
  void presenceDelivered(int count);

  /** One envelope was offered to {@code recipients} local sessions in {@code nanos}. */
  void fannedOut(int recipients, long nanos);

  /** A gap fill read {@code events} events of a room from the recent-events cache, or from the core. */
  void historyRead(boolean fromCache, int events);

  SessionMetrics NONE =
      new SessionMetrics() {
        @Override
        public void sessionOpened(String transport) {}

        @Override
        public void sessionClosed(String transport, String reason) {}

        @Override
        public void frameReceived(String frame) {}

        @Override
        public void frameRateLimited() {}

        @Override
        public void slowConsumerCut() {}

        @Override
        public void eventsSent(int count) {}

        @Override
        public void presenceDelivered(int count) {}

        @Override
        public void fannedOut(int recipients, long nanos) {}

        @Override
        public void historyRead(boolean fromCache, int events) {}
      };
}
