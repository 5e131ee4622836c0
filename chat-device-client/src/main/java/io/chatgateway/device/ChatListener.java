package io.chatgateway.device;

import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.ReadMarkerEvent;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ReceiptEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.TypingEvent;
import io.chatgateway.proto.v1.UnsubscribeReason;

/**
 * What a {@link ChatClient} tells the application. Every method has an empty default: implement
 * those you need.
 *
 * <p>Threading: all callbacks run one at a time, in the order the client produced them, on the
 * listener executor ({@link ChatClient.Builder#listenerExecutor}; by default one thread of the
 * client's own). The stream reads no faster than the listener returns: a slow listener slows the
 * stream (up to {@link ChatClient.Builder#maxBufferedMessages} messages are buffered), it never
 * makes the client drop events. A callback that throws is logged and the next one still runs.
 */
public interface ChatListener {

  /**
   * An event of a subscribed room. Per room, events arrive exactly once and in sequence order,
   * across reconnects, gateway restarts and gap fills; the sequence of the last one delivered is
   * the room's position ({@link ChatClient#positions()}).
   */
  default void onRoomEvent(RoomEvent event) {}

  /**
   * Events {@code fromSequence..toSequence} of a room will not be delivered: more were missed than
   * {@link ChatClient.Builder#maxRecoveryEvents} allows, or history no longer has them. Delivery
   * goes on after {@code toSequence}; read older events with GetHistory if the application needs them.
   */
  default void onGap(String roomId, long fromSequence, long toSequence) {}

  /** A room's subscription was confirmed (also after each reconnect), with who is present. */
  default void onSubscribed(RoomSubscriptionResult result) {}

  /**
   * The gateway ended a room's subscription (membership revoked, room deleted) or refused it;
   * the client will not subscribe it again by itself.
   */
  default void onUnsubscribed(String roomId, UnsubscribeReason reason, ErrorEvent error) {}

  /** Someone in a subscribed room started or stopped typing. */
  default void onTyping(TypingEvent event) {}

  /** Someone's device received a room's events. */
  default void onReceipt(ReceiptEvent event) {}

  /** Someone read a room up to a sequence. */
  default void onReadMarker(ReadMarkerEvent event) {}

  /** A member of a subscribed room changed presence. */
  default void onPresence(PresenceEvent event) {}

  /**
   * The gateway opened a session (after every reconnect too): who the token names, the session and
   * gateway ids. Runs right before the {@code CONNECTED} state change.
   */
  default void onReady(ReadyEvent ready) {}

  /** The connection changed state; {@link StateChange#cause()} says why. */
  default void onStateChanged(StateChange change) {}

  /** A non-fatal error the gateway reported that no returned future carries (a refused typing or read marker frame). */
  default void onError(ErrorEvent error) {}
}
