package io.chatgateway.device;

/** Where a {@link ChatClient}'s connection stands; every change reaches {@link ChatListener#onStateChanged}. */
public enum ConnectionState {
  /** Built, {@link ChatClient#connect()} not called yet. */
  IDLE,
  /** Opening a stream and waiting for the gateway's {@code ready}. */
  CONNECTING,
  /** The stream is open: subscriptions are live and sends are written at once. */
  CONNECTED,
  /** The stream ended; the client reconnects after {@link StateChange#retryIn()}. Sends wait in the outbox. */
  WAITING,
  /** Closed by {@link ChatClient#close()}. Final. */
  CLOSED,
  /**
   * Stopped for a reason reconnecting cannot fix (replaced by a newer connection of the device, a
   * token the supplier cannot renew, a refusal); {@link StateChange#cause()} says which. Final.
   */
  FAILED;

  /** True for {@link #CLOSED} and {@link #FAILED}: the client will not connect again. */
  public boolean terminal() {
    return this == CLOSED || this == FAILED;
  }
}
