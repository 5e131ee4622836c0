package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.Ids;
import io.chatgateway.gateway.backplane.SessionSnapshot;
import io.chatgateway.gateway.forward.UnaryCalls;
import io.chatgateway.logging.ThrottledLog;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.gateway.auth.TokenRejectedException;
import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.ReconnectEvent;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TypingEvent;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import io.chatgateway.proto.v1.UnsubscribeReason;
import io.chatgateway.proto.v1.UnsubscribedEvent;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One device's session: its subscriptions, outbound queue, rate limiter and clocks, whatever
 * transport carries it.
 *
 * <p>Ownership: all state is confined to this session's {@link SerialExecutor}, except three things
 * fan-out threads touch: the {@link OutboundQueue}, the per-room {@link RoomSlot}s (each guarded by
 * its own monitor), and a few volatile fields the sweeper reads. The transport is only called from the
 * executor.
 *
 * <p>Lifecycle: the transport creates the session and feeds it frames; the first must be {@code
 * hello}. The session ends exactly once: by a fatal condition ({@link #finish}), or because the
 * transport went away ({@link #onTransportClosed}). Either way it leaves fan-out, the registry and
 * presence, and saves its rooms for a resume.
 */
public final class DeviceSession {

  private static final Logger log = Logger.getLogger(DeviceSession.class.getName());
  private static final ThrottledLog PUBLISH_FAILED = new ThrottledLog(log, Level.WARNING, Duration.ofSeconds(10));
  /** Metric labels of frame kinds, computed once. */
  private static final Map<ConnectRequest.FrameCase, String> FRAME_NAMES = frameNames();
  static final int MAX_ROOMS_PER_FRAME = 200;
  static final int MAX_EVENTS_PER_SEND = 50;
  static final int MAX_STATUS_TEXT = 256;
  /** Pending sends beyond which the session stops reading frames until the core catches up. */
  static final int SEND_BACKLOG_HIGH = 256;
  /** How long a subscribe waits for the engine to deliver a room before it reports UNAVAILABLE. */
  static final Duration ENGINE_SUBSCRIBE_TIMEOUT = Duration.ofSeconds(5);
  /** The hello capability of devices that unpack {@code EventBatch}. */
  public static final String BATCH_CAPABILITY = "batch";

  private final SessionServices services;
  private final SessionConfig config;
  private final SessionTransport transport;
  private final SerialExecutor executor;
  private final Context callContext;
  private final String id;
  private final CallerIdentity identity;
  private final OutboundPump outbound;
  private final Subscriptions subscriptions;
  private final Instant connectedAt;

  // Read by the sweeper and fan-out threads; written on the executor (closing: also by fan-out).
  private volatile Instant tokenExpiresAt;
  private volatile long lastActivityNanos;
  private volatile boolean closing;
  private volatile boolean helloDone;
  private volatile long typingDeadlineNanos = Long.MAX_VALUE;

  // Confined to the executor.
  private boolean closed;
  private String closeReason = "DISCONNECTED";
  private boolean cleanedUp;
  private final FloodGuard flood;
  private String resumeToken = "";
  // Created on first use: most sessions never type or send, and every idle connection pays for these.
  private TypingTracker typing;
  private ArrayDeque<PendingSend> sends;
  private boolean sendInFlight;
  private boolean framesOwed;

  private record PendingSend(String frameId, RoomEvent event) {}

  private DeviceSession(SessionServices services, SessionTransport transport, VerifiedToken token, Context callContext) {
    this.services = services;
    this.config = services.config();
    this.transport = transport;
    this.executor = new SerialExecutor(services.pool());
    this.callContext = callContext;
    this.id = services.gatewayId() + "." + services.resumes().newToken().substring(0, 12);
    this.identity = token.identity();
    this.tokenExpiresAt = token.expiresAt();
    this.subscriptions = new Subscriptions(this, services, executor);
    this.outbound = new OutboundPump(new OutboundQueue(config.maxQueuedMessages(), config.maxQueuedBytes()), transport, services.metrics());
    this.connectedAt = services.clock().instant();
    long now = services.nanoTime();
    this.lastActivityNanos = now;
    this.flood = new FloodGuard(config.maxEventsPerSecond(), now);
  }

  /**
   * A session for a stream authenticated with {@code token}. Upstream calls are made in {@code
   * callContext}, so they end when the stream does.
   */
  public static DeviceSession open(
      SessionServices services, SessionTransport transport, VerifiedToken token, Context callContext) {
    requireNonNull(services, "services");
    requireNonNull(transport, "transport");
    requireNonNull(token, "token");
    requireNonNull(callContext, "callContext");
    DeviceSession session = new DeviceSession(services, transport, token, callContext);
    services.registry().opened(session);
    services.metrics().sessionOpened(transport.kind());
    log.fine(() -> "session " + session.id + " opened by " + session.identity + " over " + transport.kind() + " from " + transport.remoteAddress());
    return session;
  }

  // ===================================================================== transport side (any thread)

  /** An inbound frame in the protobuf encoding. */
  public void onFrame(byte[] frame) {
    executor.execute(() -> receive(FrameCodec.decodeBinary(frame, config.maxFrameBytes())));
  }

  /** An inbound frame in the protobuf JSON mapping (WebSocket text frames). */
  public void onJsonFrame(String frame) {
    executor.execute(() -> receive(FrameCodec.decodeJson(frame, config.maxFrameBytes())));
  }

  /** The transport can take more outbound events. */
  public void onWritable() {
    scheduleDrain();
  }

  /** The device finished its side of the stream: end the session normally. */
  public void onDeviceFinished() {
    executor.execute(() -> finish(new CloseReason(Status.Code.OK, "the device ended the stream"), List.of(), true));
  }

  /** The stream is gone (cancelled, connection lost, or closed by us): clean up. */
  public void onTransportClosed() {
    closing = true;
    executor.execute(
        () -> {
          closed = true;
          outbound.close(false, List.of());
          cleanup();
        });
  }

  // ===================================================================== fan-out side (any thread)

  /**
   * Queues an event of {@code roomId} for this device, if the session listens to that room. The
   * drain this may need is left to {@code drains}, which starts it when the lane's burst ends.
   */
  void deliver(String roomId, OutboundEvent event, DrainBatch drains) {
    if (closing) {
      return;
    }
    RoomSlot slot = subscriptions.slot(roomId);
    if (slot == null) {
      return;
    }
    switch (slot.offer(event, config.maxQueuedMessages())) {
      case LIVE -> {
        if (offer(event)) {
          drains.owe(this);
        }
      }
      case FULL -> cutSlowConsumer();
      case HELD, CLOSED -> {}
    }
  }

  /** Starts the drain a {@link DrainBatch} owed this session (see {@link #deliver}). */
  void startDrain() {
    executor.execute(outbound::drain);
  }

  /** Ends this session's subscription to {@code roomId} because the core says so. */
  void revoke(String roomId, UnsubscribeReason reason) {
    RoomSlot slot = subscriptions.slot(roomId);
    if (slot == null || slot.close() == RoomSlot.State.CLOSED) {
      return;
    }
    enqueue(
        event("")
            .setUnsubscribed(
                UnsubscribedEvent.newBuilder()
                    .setReason(reason)
                    .addResults(RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true)))
            .build());
    executor.execute(
        () -> {
          subscriptions.remove(roomId, slot);
          services.fanout().unregister(roomId, this);
          stopTyping(roomId);
          services.directory().sessionChanged(snapshot());
        });
  }

  // ===================================================================== registry side (any thread)

  /** A newer connection of the same device took this one's place. */
  void replaced() {
    executor.execute(
        () ->
            finish(
                new CloseReason(Status.Code.ABORTED, "replaced by a newer connection of the same device"),
                List.of(
                    event("")
                        .setReconnect(
                            ReconnectEvent.newBuilder()
                                .setReason(ReconnectReason.RECONNECT_REASON_REPLACED)
                                .setDelay(Durations.ZERO)
                                .setMessage("a newer connection of this device replaced this one; do not reconnect from here"))
                        .build(),
                    error("", ErrorCode.ERROR_CODE_REPLACED, "replaced by a newer connection of the same device", true, Map.of())),
                true));
  }

  /** Tells the device to reconnect after {@code delay}, then ends the stream at that time. */
  void reconnectAfter(Duration delay) {
    executor.execute(
        () -> {
          if (closed) {
            return;
          }
          enqueue(
              event("")
                  .setReconnect(
                      ReconnectEvent.newBuilder()
                          .setReason(ReconnectReason.RECONNECT_REASON_DRAIN)
                          .setDelay(Durations.fromMillis(delay.toMillis()))
                          .setMessage("this gateway is shutting down; reconnect after the delay"))
                  .build());
        });
    services
        .scheduler()
        .schedule(
            () -> executor.execute(() -> finish(new CloseReason(Status.Code.UNAVAILABLE, "gateway is shutting down; reconnect"), List.of(), true)),
            delay.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Enforces the session's clocks; called by the sweeper. Cheap when nothing is due. */
  void tick(long nowNanos) {
    if (closing) {
      return;
    }
    long idleLimit = helloDone ? config.connectionTimeout().toNanos() : Math.min(config.connectionTimeout().toNanos(), config.helloTimeout().toNanos());
    if (nowNanos - lastActivityNanos >= idleLimit) {
      closing = true;
      String why = helloDone
          ? "no frame for " + config.connectionTimeout().toSeconds() + " s; send a ping every " + config.heartbeatInterval().toSeconds() + " s"
          : "no hello within " + Duration.ofNanos(idleLimit).toSeconds() + " s";
      executor.execute(() -> fatal("", ErrorCode.ERROR_CODE_IDLE_TIMEOUT, why, Status.Code.DEADLINE_EXCEEDED));
      return;
    }
    if (services.clock().instant().isAfter(tokenExpiresAt)) {
      closing = true;
      executor.execute(
          () -> fatal("", ErrorCode.ERROR_CODE_UNAUTHENTICATED, "access token expired at " + tokenExpiresAt + "; reconnect with a fresh token", Status.Code.UNAUTHENTICATED));
      return;
    }
    if (nowNanos >= typingDeadlineNanos) {
      typingDeadlineNanos = Long.MAX_VALUE; // rescheduled by expireTyping
      executor.execute(this::expireTyping);
    }
  }

  // ===================================================================== accessors

  public String id() {
    return id;
  }

  public String profileId() {
    return identity.profileId();
  }

  public String deviceId() {
    return identity.deviceId();
  }

  /** What the directory may know of this session, now (any thread; rooms weakly consistent). */
  public SessionSnapshot snapshot() {
    return new SessionSnapshot(
        id, identity.profileId(), identity.deviceId(), transport.kind(), transport.remoteAddress(), connectedAt, lastActivityMillis(),
        subscriptions.sortedIds());
  }

  String deviceKey() {
    return identity.profileId() + '\n' + identity.deviceId();
  }

  long lastActivityNanos() {
    return lastActivityNanos;
  }

  /** When the device last sent a frame, on the wall clock (for the directory). */
  public long lastActivityMillis() {
    return services.clock().millis() - TimeUnit.NANOSECONDS.toMillis(services.nanoTime() - lastActivityNanos);
  }

  /** Rooms this session listens to or is joining. */
  public int roomCount() {
    return subscriptions.count();
  }

  private static Map<ConnectRequest.FrameCase, String> frameNames() {
    Map<ConnectRequest.FrameCase, String> names = new java.util.EnumMap<>(ConnectRequest.FrameCase.class);
    for (ConnectRequest.FrameCase frame : ConnectRequest.FrameCase.values()) {
      names.put(frame, frame.name().toLowerCase(java.util.Locale.ROOT));
    }
    return names;
  }

  /** Whether the session has ended; executor only. */
  boolean isClosed() {
    return closed;
  }

  /** Whether the session finished its handshake. */
  public boolean identified() {
    return helloDone;
  }

  /** Whether the session is still open (not ending or ended). */
  public boolean open() {
    return !closing;
  }

  /** Events waiting to be written (for tests and metrics). */
  public int queuedEvents() {
    return outbound.size();
  }

  // ===================================================================== inbound (executor)

  private void receive(FrameCodec.Decoded decoded) {
    if (closed) {
      return;
    }
    long now = services.nanoTime();
    lastActivityNanos = now;
    if (!decoded.ok()) {
      if (!helloDone) {
        fatal(decoded.frameId(), ErrorCode.ERROR_CODE_HELLO_REQUIRED, "the first frame must be a valid hello: " + decoded.error(), Status.Code.FAILED_PRECONDITION);
        return;
      }
      if (violation(now, decoded.frameId(), decoded.errorCode(), decoded.error())) {
        framesDone();
      }
      return;
    }
    ConnectRequest request = decoded.request();
    String frameId = request.getFrameId();
    services.metrics().frameReceived(FRAME_NAMES.get(request.getFrameCase()));
    if (!helloDone) {
      if (request.getFrameCase() != ConnectRequest.FrameCase.HELLO) {
        fatal(frameId, ErrorCode.ERROR_CODE_HELLO_REQUIRED, "the first frame must be hello", Status.Code.FAILED_PRECONDITION);
        return;
      }
      hello(frameId, request.getHello(), now);
      framesDone();
      return;
    }
    services.presence().touched(this);
    if (!flood.admit(now)) {
      services.metrics().frameRateLimited();
      if (violation(now, frameId, ErrorCode.ERROR_CODE_RATE_LIMITED, "more than " + config.maxEventsPerSecond() + " frames per second; slow down")) {
        framesDone();
      }
      return;
    }
    switch (request.getFrameCase()) {
      case HELLO -> reject(frameId, ErrorCode.ERROR_CODE_HELLO_REQUIRED, "hello may only be sent once, as the first frame");
      case SUBSCRIBE -> subscriptions.subscribe(frameId, request.getSubscribe().getRoomIdsList());
      case UNSUBSCRIBE -> subscriptions.unsubscribe(frameId, request.getUnsubscribe().getRoomIdsList());
      case SEND -> send(frameId, request.getSend().getEventsList());
      case TYPING -> typing(frameId, request.getTyping(), now);
      case READ_MARKER -> receipt(frameId, request.getReadMarker().getRoomId(), ReceiptKind.RECEIPT_KIND_READ, request.getReadMarker().getUpToSequence());
      case RECEIPT -> receipt(frameId, request.getReceipt().getRoomId(), ReceiptKind.RECEIPT_KIND_DELIVERED, request.getReceipt().getUpToSequence());
      case PRESENCE -> presence(frameId, request.getPresence());
      case PING -> enqueue(event(frameId).setPong(PongEvent.newBuilder().setClientTime(request.getPing().getClientTime())).build());
      case REFRESH_TOKEN -> refreshToken(frameId, request.getRefreshToken().getAccessToken());
      default -> reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "unknown frame");
    }
    framesDone();
  }

  /**
   * Reports a refused frame. Refusals with less than a second between them add up; more than one
   * second's worth of frames (MAX_EVENTS_PER_SECOND) in a row closes the session as a flood.
   *
   * @return whether the session is still open
   */
  private boolean violation(long now, String frameId, ErrorCode code, String message) {
    if (flood.strike(now) == FloodGuard.Strike.CLOSE) {
      fatal(frameId, ErrorCode.ERROR_CODE_RATE_LIMITED, "kept sending refused frames; closing", Status.Code.RESOURCE_EXHAUSTED);
      return false;
    }
    reject(frameId, code, message);
    return true;
  }

  /** Lets the transport deliver the next frame, unless the core has too many of our sends queued. */
  private void framesDone() {
    if (closed) {
      return;
    }
    if (sends != null && sends.size() >= SEND_BACKLOG_HIGH) {
      framesOwed = true;
    } else {
      transport.requestFrames(1);
    }
  }

  private void hello(String frameId, HelloFrame hello, long now) {
    helloDone = true;
    if (hello.getCapabilitiesList().contains(BATCH_CAPABILITY)) {
      outbound.sendBatches();
    }
    resumeToken = services.resumes().newToken();
    Set<String> resumed =
        hello.getResumeToken().isEmpty() ? Set.of() : services.resumes().take(hello.getResumeToken(), identity.profileId(), now);
    services.registry().identified(this);
    services.directory().sessionIdentified(snapshot());
    services.presence().sessionOpened(this);
    ReadyEvent.Builder ready =
        ReadyEvent.newBuilder()
            .setSessionId(id)
            .setGatewayId(services.gatewayId())
            .setHeartbeatInterval(Durations.fromSeconds(config.heartbeatInterval().toSeconds()))
            .setResumeToken(resumeToken)
            .setProfileId(identity.profileId())
            .setDeviceId(identity.deviceId())
            .setTokenExpireTime(Timestamps.fromMillis(tokenExpiresAt.toEpochMilli()))
            .addAllResumedRoomIds(resumed);
    enqueue(event(frameId).setReady(ready).build());
    if (!resumed.isEmpty()) {
      subscriptions.subscribe("", List.copyOf(resumed));
    }
  }

  // ---- subscribe / unsubscribe

  // ---- send

  private void send(String frameId, List<RoomEvent> events) {
    if (events.isEmpty() || events.size() > MAX_EVENTS_PER_SEND) {
      reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "send needs 1 to " + MAX_EVENTS_PER_SEND + " events");
      return;
    }
    for (RoomEvent event : events) {
      if (event.getRoomId().isEmpty()) {
        enqueue(error(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "event.room_id is required", false, Map.of("client_event_id", event.getClientEventId())));
      } else {
        if (sends == null) {
          sends = new ArrayDeque<>(2);
        }
        sends.add(new PendingSend(frameId, event));
      }
    }
    pumpSends();
  }

  /** Sends queued events to the core one at a time, so a device's events keep their order. */
  private void pumpSends() {
    if (sendInFlight || sends == null || sends.isEmpty() || closed) {
      return;
    }
    PendingSend next = sends.peek();
    sendInFlight = true;
    RoomEvent event = next.event();
    callCore(
        ChatServiceGrpc.getSendEventMethod(),
        SendEventRequest.newBuilder().setRoomId(event.getRoomId()).setEvent(event).build(),
        (SendEventResponse response, Status status) -> {
          sends.poll();
          sendInFlight = false;
          if (status.isOk()) {
            RoomEvent stored = response.getEvent();
            enqueue(
                event(next.frameId())
                    .setAck(
                        AckEvent.newBuilder()
                            .setClientEventId(stored.getClientEventId())
                            .setEventId(stored.getId())
                            .setRoomId(stored.getRoomId())
                            .setSequence(stored.getSequence())
                            .setSentTime(stored.getSentTime()))
                    .build());
          } else {
            enqueue(
                error(
                    next.frameId(),
                    ServerEvents.codeFor(status.getCode()),
                    describe(status),
                    false,
                    Map.of("client_event_id", event.getClientEventId(), "room_id", event.getRoomId())));
          }
          if (framesOwed && sends.size() < SEND_BACKLOG_HIGH / 2) {
            framesOwed = false;
            transport.requestFrames(1);
          }
          pumpSends();
        });
  }

  // ---- typing, receipts, presence, token refresh

  private void typing(String frameId, TypingFrame frame, long now) {
    String roomId = frame.getRoomId();
    RoomSlot slot = subscriptions.slot(roomId);
    if (slot == null || !slot.live()) {
      reject(frameId, ErrorCode.ERROR_CODE_NOT_FOUND, "subscribe to room " + roomId + " before typing in it");
      return;
    }
    switch (frame.getState()) {
      case TYPING_STATE_STARTED -> {
        if (typing == null) {
          typing = new TypingTracker(config.typingTtl().toNanos());
        }
        if (typing.started(roomId, now)) {
          publishTyping(roomId, TypingState.TYPING_STATE_STARTED);
        }
        typingDeadlineNanos = typing.deadline();
      }
      case TYPING_STATE_STOPPED -> stopTyping(roomId);
      default -> reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "typing.state must be STARTED or STOPPED");
    }
  }

  void stopTyping(String roomId) {
    if (typing != null && typing.stopped(roomId)) {
      publishTyping(roomId, TypingState.TYPING_STATE_STOPPED);
      typingDeadlineNanos = typing.deadline();
    }
  }

  private void expireTyping() {
    if (typing == null) {
      return;
    }
    for (String roomId : typing.expire(services.nanoTime())) {
      publishTyping(roomId, TypingState.TYPING_STATE_STOPPED);
    }
    typingDeadlineNanos = typing.deadline();
  }

  private void publishTyping(String roomId, TypingState state) {
    publish(
        BusEnvelope.newBuilder()
            .setRoomId(roomId)
            .setTyping(
                TypingEvent.newBuilder()
                    .setRoomId(roomId)
                    .setProfileId(identity.profileId())
                    .setDeviceId(identity.deviceId())
                    .setState(state)
                    .setExpiresIn(Durations.fromSeconds(config.typingTtl().toSeconds()))));
  }

  private void receipt(String frameId, String roomId, ReceiptKind kind, long upTo) {
    if (!Ids.isRoomId(roomId)) {
      reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, Ids.roomProblem("room_id", roomId));
      return;
    }
    callCore(
        ChatServiceGrpc.getUpdateReceiptMethod(),
        UpdateReceiptRequest.newBuilder().setRoomId(roomId).setKind(kind).setUpToSequence(upTo).build(),
        (UpdateReceiptResponse response, Status status) -> {
          // Success needs no answer: the marker reaches the room, this device included, by fan-out.
          if (!status.isOk()) {
            enqueue(error(frameId, ServerEvents.codeFor(status.getCode()), describe(status), false, Map.of("room_id", roomId)));
          }
        });
  }

  private void presence(String frameId, PresenceFrame frame) {
    PresenceStatus status = frame.getStatus();
    if (status != PresenceStatus.PRESENCE_STATUS_ONLINE && status != PresenceStatus.PRESENCE_STATUS_AWAY && status != PresenceStatus.PRESENCE_STATUS_BUSY) {
      reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "presence.status must be ONLINE, AWAY or BUSY");
      return;
    }
    if (frame.getStatusText().length() > MAX_STATUS_TEXT) {
      reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "presence.status_text must be at most " + MAX_STATUS_TEXT + " characters");
      return;
    }
    services.presence().statusChanged(this, status, frame.getStatusText());
  }

  private void refreshToken(String frameId, String accessToken) {
    VerifiedToken fresh;
    try {
      fresh = services.verifier().verify(accessToken);
    } catch (TokenRejectedException e) {
      reject(frameId, ErrorCode.ERROR_CODE_UNAUTHENTICATED, e.getMessage());
      return;
    }
    if (!fresh.identity().equals(identity)) {
      reject(frameId, ErrorCode.ERROR_CODE_UNAUTHENTICATED, "the new token names another profile or device");
      return;
    }
    tokenExpiresAt = fresh.expiresAt();
  }

  // ===================================================================== outbound

  void enqueue(ServerEvent event) {
    enqueue(OutboundEvent.of(event));
  }

  void enqueue(OutboundEvent event) {
    if (offer(event)) {
      startDrain();
    }
  }

  /**
   * Queues {@code event}, or cuts the session when its queue is full. Returns true when the caller
   * must now start a drain: none was scheduled, and this call claimed the right to schedule it.
   */
  private boolean offer(OutboundEvent event) {
    if (closing) {
      return false; // the session is ending; what it still owes the device is sent by finish()
    }
    return switch (outbound.offer(event)) {
      case DRAIN -> true;
      case QUEUED -> false;
      case FULL -> {
        cutSlowConsumer();
        yield false;
      }
    };
  }

  private void cutSlowConsumer() {
    if (closing) {
      return;
    }
    closing = true;
    services.metrics().slowConsumerCut();
    int queued = outbound.size();
    long bytes = outbound.bytes();
    executor.execute(
        () ->
            finish(
                new CloseReason(
                    Status.Code.RESOURCE_EXHAUSTED,
                    "outbound queue full (" + queued + " events, " + bytes + " bytes): the device reads too slowly; reconnect and resume"),
                List.of(),
                false));
  }

  private void scheduleDrain() {
    if (outbound.claimDrain()) {
      executor.execute(outbound::drain);
    }
  }

  /**
   * Ends the session: optionally writes what is queued (bounded by the queue's limits), then the
   * final events, then closes the transport with {@code reason}.
   */
  private void finish(CloseReason reason, List<ServerEvent> finalEvents, boolean flushQueue) {
    if (closed) {
      return;
    }
    closing = true;
    closed = true;
    closeReason = reason.code().name();
    outbound.close(flushQueue, finalEvents.stream().map(OutboundEvent::of).toList());
    transport.close(reason);
    log.fine(() -> "session " + id + " closed: " + reason.code() + " " + reason.message());
    cleanup();
  }

  private void fatal(String frameId, ErrorCode code, String message, Status.Code status) {
    finish(new CloseReason(status, message), List.of(error(frameId, code, message, true, Map.of())), true);
  }

  private void cleanup() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    services.metrics().sessionClosed(transport.kind(), closeReason);
    Set<String> activeRooms = subscriptions.closeAll();
    if (typing != null) {
      typing.rooms().forEach(this::stopTyping);
    }
    services.registry().closed(this);
    if (helloDone) {
      // Saved before presence turns offline, so a device that sees itself offline can resume.
      services.resumes().save(resumeToken, identity.profileId(), activeRooms, services.nanoTime());
      services.directory().sessionClosed(snapshot());
      services.presence().sessionClosed(this);
    }
  }

  // ===================================================================== helpers

  ServerEvent.Builder event(String frameId) {
    return services.events().builder(frameId);
  }

  private ServerEvent error(String frameId, ErrorCode code, String message, boolean fatal, Map<String, String> meta) {
    return event(frameId).setError(ErrorEvent.newBuilder().setCode(code).setMessage(message).setFatal(fatal).putAllMeta(meta)).build();
  }

  void reject(String frameId, ErrorCode code, String message) {
    enqueue(error(frameId, code, message, false, Map.of()));
  }

  static String describe(Status status) {
    return status.getDescription() == null ? status.getCode().toString() : status.getDescription();
  }

  private void publish(BusEnvelope.Builder envelope) {
    try {
      services.engine().publish(envelope.setOriginId(services.gatewayId()).setPublishTime(Timestamps.fromMillis(services.clock().millis())).build());
    } catch (RuntimeException e) {
      // Fails for every typing frame while Redis is away: one line per interval, not a stack trace each.
      PUBLISH_FAILED.log(() -> "publishing failed for session " + id + ": " + e);
    }
  }

  /**
   * Calls the core as this session's device, inside the stream's context (so the call ends with the
   * stream), and continues on the session's executor with the response and status.
   */
  <ReqT, RespT> void callCore(MethodDescriptor<ReqT, RespT> method, ReqT request, BiConsumer<RespT, Status> onDone) {
    callContext
        .withValue(CallerIdentity.CONTEXT_KEY, identity)
        .run(
            () ->
                UnaryCalls.call(services.core(), method, request)
                    .whenComplete((response, error) -> executor.execute(() -> onDone.accept(response, error == null ? Status.OK : Status.fromThrowable(error)))));
  }
}
