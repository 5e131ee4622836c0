package io.chatgateway.gateway.session;

/**
 * Why a session ended, in the session's own terms. Each transport maps it to its wire: the gRPC
 * transport to a status code, the WebSocket bridge to a close code (both tables are in the README).
 */
public enum CloseCode {
  /** The device ended the stream itself. gRPC OK, WebSocket 1000. */
  NORMAL,
  /** The gateway is draining; reconnect elsewhere. gRPC UNAVAILABLE, WebSocket 1001. */
  GOING_AWAY,
  /** No frame (or no hello) within the allowed time. gRPC DEADLINE_EXCEEDED, WebSocket 1001. */
  IDLE,
  /** Too much: a slow reader's full queue, a flood of refused frames, too many waiting sockets. gRPC RESOURCE_EXHAUSTED, WebSocket 1013. */
  OVERLOADED,
  /** No valid token, or it expired. gRPC UNAUTHENTICATED, WebSocket 1008. */
  UNAUTHENTICATED,
  /** The device broke the protocol (no hello first). gRPC FAILED_PRECONDITION, WebSocket 1008. */
  PROTOCOL_ERROR,
  /** A newer connection of the same device took this one's place. gRPC ABORTED, WebSocket 1008. */
  REPLACED
}
