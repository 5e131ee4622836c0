package io.chatgateway.device;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A client's settings, validated by {@link ChatClient.Builder#build()}.
 *
 * @param userAgent sent in {@code hello.user_agent}
 * @param capabilities sent in {@code hello.capabilities}
 * @param backoffBase first reconnect window
 * @param backoffCap largest reconnect window
 * @param maxOutbox unacked sends kept
 * @param maxBufferedMessages stream messages waiting for the listener at most
 * @param maxRecoveryEvents events a gap fill reads at most; older missed ones are reported as a gap
 * @param maxHeldEvents live events held per room while a fill reads history
 * @param helloTimeout how long to wait for {@code ready}
 * @param refreshLead how long before the token's expiry to refresh it (at most half its remaining life)
 * @param retryDelay first wait before a send, subscribe or history read the gateway could not serve is tried again
 * @param heartbeatFallback heartbeat interval when the gateway advertises none
 * @param initialPositions rooms to subscribe from the first connection, with the application's stored positions
 */
record Settings(
    String userAgent,
    List<String> capabilities,
    Duration backoffBase,
    Duration backoffCap,
    int maxOutbox,
    int maxBufferedMessages,
    int maxRecoveryEvents,
    int maxHeldEvents,
    Duration helloTimeout,
    Duration refreshLead,
    Duration retryDelay,
    Duration heartbeatFallback,
    Map<String, Long> initialPositions) {

  /** Page size of gap-fill reads: GetHistory's largest. */
  static final int HISTORY_PAGE = 200;

  /** Rooms per subscribe frame: the gateway's limit. */
  static final int ROOMS_PER_FRAME = 200;

  /** History reads in a row that find nothing new before a fill gives the missing events up. */
  static final int MAX_FILL_STALLS = 5;

  /** Consecutive refusals of fresh tokens before the client stops. */
  static final int MAX_AUTH_FAILURES = 3;
}
