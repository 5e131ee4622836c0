package io.chatgateway.gateway.session;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.logging.ThrottledLog;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.TypingEvent;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A session's typing indicators: takes {@code typing} frames, relays STARTED (throttled by the
 * {@link TypingTracker}) and STOPPED to the room through the engine, and relays STOPPED for typing
 * that expired, was unsubscribed from, or outlived the session.
 *
 * <p>Threading: owned by the session's executor, except {@link #deadline}, which the sweeper reads.
 */
final class TypingRelay {

  private static final ThrottledLog PUBLISH_FAILED =
      new ThrottledLog(Logger.getLogger(TypingRelay.class.getName()), Level.WARNING, Duration.ofSeconds(10));

  private final DeviceSession session;
  private final SessionServices services;
  // Created on first use: most sessions never type.
  private TypingTracker tracker;
  private volatile long deadlineNanos = Long.MAX_VALUE;

  TypingRelay(DeviceSession session, SessionServices services) {
    this.session = session;
    this.services = services;
  }

  /** A {@code typing} frame, for a room the session is live in. */
  void onFrame(String frameId, TypingFrame frame, long now) {
    String roomId = frame.getRoomId();
    switch (frame.getState()) {
      case TYPING_STATE_STARTED -> {
        if (tracker == null) {
          tracker = new TypingTracker(services.config().typingTtl().toNanos());
        }
        if (tracker.started(roomId, now)) {
          publish(roomId, TypingState.TYPING_STATE_STARTED);
        }
        deadlineNanos = tracker.deadline();
      }
      case TYPING_STATE_STOPPED -> stop(roomId);
      default -> session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "typing.state must be STARTED or STOPPED");
    }
  }

  /** Typing in {@code roomId} ends now, if it was going on. */
  void stop(String roomId) {
    if (tracker != null && tracker.stopped(roomId)) {
      publish(roomId, TypingState.TYPING_STATE_STOPPED);
      deadlineNanos = tracker.deadline();
    }
  }

  /** Every typing state ends (the session is closing). */
  void stopAll() {
    if (tracker != null) {
      tracker.rooms().forEach(this::stop);
    }
  }

  /** When the earliest typing state expires ({@link Long#MAX_VALUE}: none); any thread. */
  long deadline() {
    return deadlineNanos;
  }

  /** The sweeper saw the deadline pass: stops expiring it again until {@link #expire} reschedules. */
  void expiring() {
    deadlineNanos = Long.MAX_VALUE;
  }

  /** Relays STOPPED for the typing states that were not refreshed for a TTL. */
  void expire() {
    if (tracker == null) {
      return;
    }
    for (String roomId : tracker.expire(services.nanoTime())) {
      publish(roomId, TypingState.TYPING_STATE_STOPPED);
    }
    deadlineNanos = tracker.deadline();
  }

  private void publish(String roomId, TypingState state) {
    BusEnvelope envelope =
        BusEnvelope.newBuilder()
            .setRoomId(roomId)
            .setOriginId(services.gatewayId())
            .setPublishTime(Timestamps.fromMillis(services.clock().millis()))
            .setTyping(
                TypingEvent.newBuilder()
                    .setRoomId(roomId)
                    .setProfileId(session.profileId())
                    .setDeviceId(session.deviceId())
                    .setState(state)
                    .setExpiresIn(Durations.fromSeconds(services.config().typingTtl().toSeconds())))
            .build();
    try {
      services.engine().publish(envelope);
    } catch (RuntimeException e) {
      // Fails for every typing frame while Redis is away: one line per interval, not a stack trace each.
      PUBLISH_FAILED.log(() -> "publishing typing failed for session " + session.id() + ": " + e);
    }
  }
}
