package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.ReconnectEvent;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.UnsubscribeReason;
import io.chatgateway.proto.v1.UnsubscribedEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes the {@link ServerEvent}s the session core sends, with this gateway's ids and the current
 * time: one place per kind of event, so every transport and part of the session says it alike.
 * Thread-safe.
 */
public final class ServerEvents {

  private final String idPrefix;
  private final Clock clock;
  private final AtomicLong counter = new AtomicLong();

  public ServerEvents(String gatewayId, Clock clock) {
    this.idPrefix = requireNonNull(gatewayId, "gatewayId") + "-";
    this.clock = requireNonNull(clock, "clock");
  }

  /** A builder with a fresh id, the current time, and {@code frameId} (empty when none). */
  public ServerEvent.Builder builder(String frameId) {
    return ServerEvent.newBuilder()
        .setId(idPrefix + Long.toString(counter.incrementAndGet(), 36))
        .setTimestamp(Timestamps.fromMillis(clock.millis()))
        .setFrameId(frameId);
  }

  /** An error event answering {@code frameId}; {@code fatal} when the stream ends after it. */
  public ServerEvent error(String frameId, ErrorCode code, String message, boolean fatal, Map<String, String> meta) {
    return builder(frameId).setError(ErrorEvent.newBuilder().setCode(code).setMessage(message).setFatal(fatal).putAllMeta(meta)).build();
  }

  /** A room's event, for the room's subscribers. */
  public ServerEvent roomEvent(RoomEvent event) {
    return builder("").setRoomEvent(event).build();
  }

  /** The acknowledgement of a sent event, with what the core stored. */
  ServerEvent ack(String frameId, RoomEvent stored) {
    return builder(frameId)
        .setAck(
            AckEvent.newBuilder()
                .setClientEventId(stored.getClientEventId())
                .setEventId(stored.getId())
                .setRoomId(stored.getRoomId())
                .setSequence(stored.getSequence())
                .setSentTime(stored.getSentTime()))
        .build();
  }

  /** Tells the device to reconnect after {@code delay}. */
  ServerEvent reconnect(ReconnectReason reason, Duration delay, String message) {
    return builder("")
        .setReconnect(ReconnectEvent.newBuilder().setReason(reason).setDelay(Durations.fromMillis(delay.toMillis())).setMessage(message))
        .build();
  }

  /** The gateway ended the device's subscription to {@code roomId} (not answering a frame). */
  ServerEvent unsubscribed(String roomId, UnsubscribeReason reason) {
    return builder("")
        .setUnsubscribed(
            UnsubscribedEvent.newBuilder().setReason(reason).addResults(RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true)))
        .build();
  }

  /** A failed entry of a subscribe or unsubscribe answer. */
  static RoomSubscriptionResult failure(String roomId, ErrorCode code, String message) {
    return RoomSubscriptionResult.newBuilder()
        .setRoomId(roomId)
        .setOk(false)
        .setError(ErrorEvent.newBuilder().setCode(code).setMessage(message))
        .build();
  }
}
