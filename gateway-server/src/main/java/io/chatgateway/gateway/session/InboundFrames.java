package io.chatgateway.gateway.session;

import io.chatgateway.client.Ids;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * A session's way in: takes each decoded frame, enforces hello-first and the frame rate ({@link
 * FloodGuard}), and hands the frame to the part of the session that owns it: {@link Handshake},
 * {@link Subscriptions}, {@link SendPipeline}, {@link TypingRelay}, the token; receipts and
 * presence it handles itself. After each frame it asks the transport for the next one, through the
 * send pipeline's back-pressure.
 *
 * <p>Threading: owned by the session's executor.
 */
final class InboundFrames {

  static final int MAX_STATUS_TEXT = 256;
  /** Metric labels of frame kinds, computed once. */
  private static final Map<ConnectRequest.FrameCase, String> FRAME_NAMES = frameNames();

  private final DeviceSession session;
  private final SessionServices services;
  private final SessionConfig config;
  private final FloodGuard flood;

  InboundFrames(DeviceSession session, SessionServices services, long nowNanos) {
    this.session = session;
    this.services = services;
    this.config = services.config();
    this.flood = new FloodGuard(config.maxEventsPerSecond(), nowNanos);
  }

  /** One frame as the codec decoded it, received at {@code now}. */
  void receive(FrameCodec.Decoded decoded, long now) {
    if (!decoded.ok()) {
      if (!session.identified()) {
        session.fatal(decoded.frameId(), ErrorCode.ERROR_CODE_HELLO_REQUIRED, "the first frame must be a valid hello: " + decoded.error(), CloseCode.PROTOCOL_ERROR);
      } else if (violation(now, decoded.frameId(), decoded.errorCode(), decoded.error())) {
        session.sends().frameDone();
      }
      return;
    }
    ConnectRequest request = decoded.request();
    String frameId = request.getFrameId();
    services.metrics().frameReceived(FRAME_NAMES.get(request.getFrameCase()));
    if (!session.identified()) {
      if (request.getFrameCase() != ConnectRequest.FrameCase.HELLO) {
        session.fatal(frameId, ErrorCode.ERROR_CODE_HELLO_REQUIRED, "the first frame must be hello", CloseCode.PROTOCOL_ERROR);
        return;
      }
      // The next frame is requested once the session is ready, so nothing overtakes `ready`.
      new Handshake(session, services).hello(frameId, request.getHello(), () -> session.sends().frameDone()); // once per session
      return;
    } else {
      services.presence().touched(session);
      if (flood.admit(now)) {
        if (!dispatch(frameId, request, now)) {
          return; // answered later, which then asks for the next frame
        }
      } else {
        services.metrics().frameRateLimited();
        if (!violation(now, frameId, ErrorCode.ERROR_CODE_RATE_LIMITED, "more than " + config.maxEventsPerSecond() + " frames per second; slow down")) {
          return;
        }
      }
    }
    if (!session.isClosed()) {
      session.sends().frameDone();
    }
  }

  /** Hands a frame to its part of the session; false when it is answered later (see {@link #refresh}). */
  private boolean dispatch(String frameId, ConnectRequest request, long now) {
    switch (request.getFrameCase()) {
      case HELLO -> session.reject(frameId, ErrorCode.ERROR_CODE_HELLO_REQUIRED, "hello may only be sent once, as the first frame");
      case SUBSCRIBE -> session.subscriptions().subscribe(frameId, request.getSubscribe().getRoomIdsList(), request.getSubscribe().getPositionsMap());
      case UNSUBSCRIBE -> session.subscriptions().unsubscribe(frameId, request.getUnsubscribe().getRoomIdsList());
      case SEND -> session.sends().send(frameId, request.getSend().getEventsList());
      case TYPING -> {
        String roomId = request.getTyping().getRoomId();
        if (session.subscriptions().presenceOnRequest(roomId)) {
          session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
              "typing is not relayed in room " + roomId + ": it has more than " + services.config().presencePushMaxMembers() + " members (PRESENCE_PUSH_MAX_MEMBERS)");
        } else if (session.subscriptions().joined(roomId)) {
          session.typing().onFrame(frameId, request.getTyping(), now);
        } else {
          session.reject(frameId, ErrorCode.ERROR_CODE_NOT_FOUND, "subscribe to room " + roomId + " before typing in it");
        }
      }
      case READ_MARKER -> receipt(frameId, request.getReadMarker().getRoomId(), ReceiptKind.RECEIPT_KIND_READ, request.getReadMarker().getUpToSequence());
      case RECEIPT -> receipt(frameId, request.getReceipt().getRoomId(), ReceiptKind.RECEIPT_KIND_DELIVERED, request.getReceipt().getUpToSequence());
      case PRESENCE -> presence(frameId, request.getPresence());
      case PING -> session.enqueue(session.events().builder(frameId).setPong(PongEvent.newBuilder().setClientTime(request.getPing().getClientTime())).build());
      case REFRESH_TOKEN -> {
        return refresh(frameId, request.getRefreshToken().getAccessToken());
      }
      default -> session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "unknown frame");
    }
    return true;
  }

  /**
   * A {@code refresh_token} frame; returns whether it is done. A token whose keys may have to be
   * fetched (a JWKS) is verified on the pool, never on the session's thread, which is a transport's
   * I/O thread serving other streams too; the session takes it back, and asks for the next frame,
   * once it is verified, so no frame overtakes the refresh.
   */
  private boolean refresh(String frameId, String accessToken) {
    JwtVerifier verifier = services.verifier();
    if (verifier.verifiesWithoutBlocking(accessToken, false)) {
      refreshed(frameId, SessionToken.verify(verifier, accessToken));
      return true;
    }
    try {
      services.pool().execute(() -> {
        SessionToken.Verification verification = SessionToken.verify(verifier, accessToken);
        session.execute(() -> {
          refreshed(frameId, verification);
          if (!session.isClosed()) {
            session.sends().frameDone();
          }
        });
      });
    } catch (RejectedExecutionException shuttingDown) {
      session.reject(frameId, ErrorCode.ERROR_CODE_UNAVAILABLE, "the gateway is shutting down; refresh the token after reconnecting");
      return true;
    }
    return false;
  }

  private void refreshed(String frameId, SessionToken.Verification verification) {
    session.token().refresh(verification).ifPresent(why -> session.reject(frameId, ErrorCode.ERROR_CODE_UNAUTHENTICATED, why));
  }

  /**
   * Reports a refused frame. Refusals with less than a second between them add up; more than one
   * second's worth of frames (MAX_EVENTS_PER_SECOND) in a row closes the session as a flood.
   *
   * @return whether the session is still open
   */
  private boolean violation(long now, String frameId, ErrorCode code, String message) {
    if (flood.strike(now) == FloodGuard.Strike.CLOSE) {
      session.fatal(frameId, ErrorCode.ERROR_CODE_RATE_LIMITED, "kept sending refused frames; closing", CloseCode.OVERLOADED);
      return false;
    }
    session.reject(frameId, code, message);
    return true;
  }

  private void receipt(String frameId, String roomId, ReceiptKind kind, long upTo) {
    if (!Ids.isRoomId(roomId)) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, Ids.roomProblem("room_id", roomId));
      return;
    }
    // Success needs no answer: the marker reaches the room, this device included, by fan-out.
    session.whenCoreAnswers(
        session.core().updateReceipt(UpdateReceiptRequest.newBuilder().setRoomId(roomId).setKind(kind).setUpToSequence(upTo).build()),
        (response, failure) -> {
          if (failure != null) {
            session.enqueue(session.events().error(frameId, failure.code(), failure.getMessage(), false, Map.of("room_id", roomId)));
          }
        });
  }

  private void presence(String frameId, PresenceFrame frame) {
    PresenceStatus status = frame.getStatus();
    if (status != PresenceStatus.PRESENCE_STATUS_ONLINE && status != PresenceStatus.PRESENCE_STATUS_AWAY && status != PresenceStatus.PRESENCE_STATUS_BUSY) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "presence.status must be ONLINE, AWAY or BUSY");
    } else if (frame.getStatusText().length() > MAX_STATUS_TEXT) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "presence.status_text must be at most " + MAX_STATUS_TEXT + " characters");
    } else {
      services.presence().statusChanged(session, status, frame.getStatusText());
    }
  }

  private static Map<ConnectRequest.FrameCase, String> frameNames() {
    Map<ConnectRequest.FrameCase, String> names = new EnumMap<>(ConnectRequest.FrameCase.class);
    for (ConnectRequest.FrameCase frame : ConnectRequest.FrameCase.values()) {
      names.put(frame, frame.name().toLowerCase(Locale.ROOT));
    }
    return names;
  }
}
