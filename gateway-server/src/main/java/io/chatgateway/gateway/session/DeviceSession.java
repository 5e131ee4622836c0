package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.backplane.SessionSnapshot;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.MembershipChange;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.ServerEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * One device's session, whatever transport carries it: it dispatches the device's frames to its
 * parts ({@link InboundFrames} and, through it, {@link Handshake}, {@link Subscriptions}, {@link
 * RoomFollowing}, {@link SendPipeline}, {@link TypingRelay}; {@link OutboundPump} on the way out) and owns the session's
 * lifecycle ({@link SessionLifecycle}).
 *
 * <p>Ownership: all state is confined to this session's {@link SerialExecutor} (on the shared
 * pool, or on the stream's I/O thread once the transport {@linkplain #runOnIoThread moved it} there),
 * except what fan-out threads touch (the outbound queue, the per-room {@link RoomSlot}s, each
 * guarded by its own monitor) and the volatile clocks the sweeper reads. The transport is only
 * called from the executor.
 *
 * <p>Lifecycle: the transport creates the session and feeds it frames; the first must be {@code
 * hello}. The session ends exactly once: by a fatal condition ({@link #finish}), or because the
 * transport went away ({@link #onTransportClosed}). Either way it leaves fan-out, the registry and
 * presence, cancels its core calls, and saves its rooms for a resume.
 */
public final class DeviceSession {

  private static final Logger log = Logger.getLogger(DeviceSession.class.getName());
  /** The hello capability of devices that unpack {@code EventBatch}. */
  public static final String BATCH_CAPABILITY = "batch";
  /** The hello capability of devices whose session follows every room of their profile. */
  public static final String FOLLOW_ROOMS_CAPABILITY = "follow_rooms";

  private final SessionServices services;
  private final SessionConfig config;
  private final SessionTransport transport;
  private final SerialExecutor executor;
  private final String id;
  /** Order of opening on this gateway: of two connections of one device, the later-opened one stays. */
  private final long openOrder;
  private final SessionToken token;
  private final CoreCalls core;
  private final long connectedAtMillis; // not an Instant: one object less per session
  private final SessionLifecycle lifecycle = new SessionLifecycle();
  private final OutboundPump outbound;
  private final Subscriptions subscriptions;
  private final SendPipeline sends;
  private final TypingRelay typing;
  private final InboundFrames inbound;
  private volatile long lastActivityNanos; // written on the executor, read by the sweeper
  private String closeLabel = "DISCONNECTED"; // the metric's reason; executor only
  private final ResumeRecorder resume;
  private RoomFollowing following; // executor only; made on first use: most sessions never need it

  private DeviceSession(SessionServices services, SessionTransport transport, VerifiedToken token) {
    this.services = services;
    this.config = services.config();
    this.transport = transport;
    this.executor = new SerialExecutor(services.pool());
    this.id = services.gatewayId() + "." + services.newToken().substring(0, 12);
    this.openOrder = services.registry().nextOpenOrder();
    this.token = new SessionToken(token);
    this.core = services.core().open(token.identity());
    this.resume = new ResumeRecorder(services.resumes(), token.identity().profileId());
    this.connectedAtMillis = services.clock().millis();
    this.outbound = new OutboundPump(new OutboundQueue(config.maxQueuedMessages(), config.maxQueuedBytes()), transport, services.metrics());
    this.subscriptions = new Subscriptions(this, services, executor);
    this.sends = new SendPipeline(this, transport);
    this.typing = new TypingRelay(this, services);
    this.lastActivityNanos = services.nanoTime();
    this.inbound = new InboundFrames(this, services, lastActivityNanos);
  }

  /**
   * A session for a stream authenticated with {@code token}. Call on the thread that accepted the
   * stream: the session's core calls inherit what it carries (see {@link CoreCalls.Factory#open}).
   */
  public static DeviceSession open(SessionServices services, SessionTransport transport, VerifiedToken token) {
    requireNonNull(services, "services");
    requireNonNull(transport, "transport");
    requireNonNull(token, "token");
    DeviceSession session = new DeviceSession(services, transport, token);
    services.registry().opened(session);
    services.metrics().sessionOpened(transport.kind());
    log.fine(() -> "session " + session.id + " opened by " + token.identity() + " over " + transport.kind() + " from " + transport.remoteAddress());
    return session;
  }

  /** An inbound frame in the protobuf encoding. */
  public void onFrame(byte[] frame) {
    executor.execute(() -> receive(FrameCodec.decodeBinary(frame, config.maxFrameBytes())));
  }

  /** An inbound frame in the protobuf JSON mapping (WebSocket text frames). */
  public void onJsonFrame(String frame) {
    executor.execute(() -> receive(FrameCodec.decodeJson(frame, config.maxFrameBytes())));
  }

  private void receive(FrameCodec.Decoded decoded) {
    if (!lifecycle.closed()) {
      lastActivityNanos = services.nanoTime();
      inbound.receive(decoded, lastActivityNanos);
    }
  }

  /**
   * From now on the session runs its tasks on {@code ioThread}, the thread that does this stream's
   * I/O (a Netty event loop, an XNIO I/O thread); the transport calls this from that thread, at most
   * once. There a session's writes reach the socket without a hand-off to another thread, and while
   * that thread is busy writing, the events that arrive for the session gather in its queue and leave
   * in one message: under load, writes grow instead of multiplying. Session tasks never block, so
   * they may share the thread. Should the thread refuse work (shutting down), the pool takes over.
   */
  public void runOnIoThread(Executor ioThread) {
    executor.moveTo(ioThread);
  }

  /** The transport can take more outbound events. */
  public void onWritable() {
    if (outbound.claimDrain()) {
      executor.execute(outbound::drain); // what waited for the transport goes now, not a write delay later
    }
  }

  /** The device finished its side of the stream: end the session normally. */
  public void onDeviceFinished() {
    executor.execute(() -> finish(new CloseReason(CloseCode.NORMAL, "the device ended the stream"), List.of(), true));
  }

  /** The stream is gone (cancelled, connection lost, or closed by us): clean up. */
  public void onTransportClosed() {
    lifecycle.beginClosing();
    executor.execute(() -> {
      if (lifecycle.close()) {
        outbound.close(false, List.of());
        cleanup();
      }
    });
  }

  /**
   * Starts a drain on the executor (one a {@link DrainBatch} owed, or one this session claimed for
   * new events). With {@code WRITE_DELAY_MS}, the drain runs that much later: the drain stays
   * claimed meanwhile, so what arrives in between queues up and goes out in the same write.
   */
  void startDrain() {
    long delayNanos = config.writeDelay().toNanos();
    if (delayNanos == 0) {
      executor.execute(outbound::drain);
    } else {
      services.scheduler().schedule(() -> executor.execute(outbound::drain), delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A newer connection of the same device took this one's place. */
  void replaced() {
    String why = "replaced by a newer connection of the same device";
    executor.execute(
        () ->
            finish(
                new CloseReason(CloseCode.REPLACED, why),
                List.of(
                    events().reconnect(ReconnectReason.RECONNECT_REASON_REPLACED, Duration.ZERO, "a newer connection of this device replaced this one; do not reconnect from here"),
                    events().error("", ErrorCode.ERROR_CODE_REPLACED, why, true, Map.of())),
                true));
  }

  /** Tells the device to reconnect after {@code delay}, then ends the stream at that time. */
  void reconnectAfter(Duration delay) {
    executor.execute(() -> enqueue(events().reconnect(ReconnectReason.RECONNECT_REASON_DRAIN, delay, "this gateway is shutting down; reconnect after the delay")));
    services.scheduler().schedule(
        () -> executor.execute(() -> finish(new CloseReason(CloseCode.GOING_AWAY, "gateway is shutting down; reconnect"), List.of(), true)),
        delay.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Enforces the session's clocks; called by the sweeper. Cheap when nothing is due. */
  void tick(long nowNanos) {
    if (!lifecycle.open()) {
      return;
    }
    transport.keepAlive(nowNanos);
    boolean identified = lifecycle.identified();
    long idleLimit = identified ? config.connectionTimeout().toNanos() : Math.min(config.connectionTimeout().toNanos(), config.helloTimeout().toNanos());
    if (nowNanos - lastActivityNanos >= idleLimit && lifecycle.beginClosing()) {
      String why = identified
          ? "no frame for " + config.connectionTimeout().toSeconds() + " s; send a ping every " + config.heartbeatInterval().toSeconds() + " s"
          : "no hello within " + Duration.ofNanos(idleLimit).toSeconds() + " s";
      executor.execute(() -> fatal("", ErrorCode.ERROR_CODE_IDLE_TIMEOUT, why, CloseCode.IDLE));
    } else if (token.expiredAt(services.clock().millis()) && lifecycle.beginClosing()) {
      String why = "access token expired at " + token.expiresAt() + "; reconnect with a fresh token";
      executor.execute(() -> fatal("", ErrorCode.ERROR_CODE_UNAUTHENTICATED, why, CloseCode.UNAUTHENTICATED));
    } else if (nowNanos >= typing.deadline()) {
      typing.expiring();
      executor.execute(typing::expire);
    }
  }

  public String id() {
    return id;
  }

  long openOrder() {
    return openOrder;
  }

  public String profileId() {
    return token.identity().profileId();
  }

  public String deviceId() {
    return token.identity().deviceId();
  }

  /** What the directory may know of this session, now (any thread; rooms weakly consistent). */
  public SessionSnapshot snapshot() {
    return new SessionSnapshot(
        id, profileId(), deviceId(), transport.kind(), transport.remoteAddress(), Instant.ofEpochMilli(connectedAtMillis), lastActivityMillis(), subscriptions.sortedIds());
  }

  long lastActivityNanos() {
    return lastActivityNanos;
  }

  /** When the device last sent a frame, on the wall clock (for the directory). */
  public long lastActivityMillis() {
    return services.clock().millis() - TimeUnit.NANOSECONDS.toMillis(services.nanoTime() - lastActivityNanos);
  }

  /** Whether the session finished its handshake. */
  public boolean identified() {
    return lifecycle.identified();
  }

  /** Whether the session is still open (not ending or ended). */
  public boolean open() {
    return lifecycle.open();
  }

  /** Whether the session has ended; executor only. */
  boolean isClosed() {
    return lifecycle.closed();
  }

  ServerEvents events() {
    return services.events();
  }

  CoreCalls core() {
    return core;
  }

  TypingRelay typing() {
    return typing;
  }

  Subscriptions subscriptions() {
    return subscriptions;
  }

  /** The session's part in its profile's membership, made on first use; executor only. */
  RoomFollowing following() {
    if (following == null) {
      following = new RoomFollowing(this, config);
    }
    return following;
  }

  SendPipeline sends() {
    return sends;
  }

  SessionToken token() {
    return token;
  }

  /** The device said hello: from now on the session is identified. Executor only. */
  void identified(String resumeToken, boolean sendBatches) {
    resume.issued(resumeToken);
    lifecycle.identify();
    if (sendBatches) {
      outbound.sendBatches();
    }
  }

  /**
   * Records the session's positions under its resume token, if they moved since the last time, so a
   * resume finds them even if this gateway dies; called by the sweeper every few seconds.
   */
  void checkpoint() {
    if (lifecycle.identified() && lifecycle.open()) {
      executor.execute(() -> {
        if (!lifecycle.closed()) {
          resume.checkpoint(subscriptions.positions());
        }
      });
    }
  }

  /** Runs {@code task} on the session's executor. */
  void execute(Runnable task) {
    executor.execute(task);
  }

  /** Continues on the executor with the core's answer: the response, or the failure (never both). */
  <T> void whenCoreAnswers(CompletionStage<T> call, BiConsumer<T, CoreCallException> then) {
    call.whenComplete((response, error) -> executor.execute(() -> then.accept(response, error == null ? null : CoreCallException.of(error))));
  }

  /** Queues {@code event} for the device, starting a drain when needed; any thread. */
  void enqueue(ServerEvent event) {
    enqueue(OutboundEvent.of(event));
  }

  void enqueue(OutboundEvent event) {
    if (offer(event)) {
      startDrain();
    }
  }

  /**
   * Presence changes the {@link PresenceCoalescer} held for this session, the newest per member: on
   * the executor, those whose rooms let them through now are queued to leave together. Any thread.
   */
  void presenceArrived(List<PresenceCoalescer.Change> changes) {
    executor.execute(() -> {
      if (!lifecycle.open()) {
        return;
      }
      List<OutboundEvent> live = subscriptions.admitPresence(changes);
      services.metrics().presenceDelivered(live.size());
      enqueueTogether(live);
    });
  }

  /**
   * Queues {@code events} to leave together (packed into batches for a device that takes them),
   * starting a drain when needed, or cuts the session when its queue is full. Executor only.
   */
  void enqueueTogether(List<OutboundEvent> events) {
    if (events.isEmpty() || !lifecycle.open()) {
      return;
    }
    switch (outbound.offerTogether(events)) {
      case DRAIN -> startDrain();
      case QUEUED -> {}
      case FULL -> cutSlowConsumer();
    }
  }

  /**
   * The profile joined or left a room (its user channel said so): a following session subscribes a
   * room it was added to and leaves one it was removed from; another is told. Any thread.
   */
  void membershipChanged(MembershipChange change) {
    executor.execute(() -> {
      if (lifecycle.open()) {
        following().membershipChanged(change);
      }
    });
  }

  void reject(String frameId, ErrorCode code, String message) {
    enqueue(events().error(frameId, code, message, false, Map.of()));
  }

  /** Queues {@code event}, or cuts the session when its queue is full; true when the caller must start a drain. */
  boolean offer(OutboundEvent event) {
    if (!lifecycle.open()) {
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

  void cutSlowConsumer() {
    cutSlowConsumer("outbound queue full (" + outbound.size() + " events, " + outbound.bytes() + " bytes): the device reads too slowly; reconnect and resume");
  }

  /** Ends the session as one that cannot be kept up to date; {@code why} tells the device which bound it passed. Any thread. */
  void cutSlowConsumer(String why) {
    if (!lifecycle.beginClosing()) {
      return;
    }
    services.metrics().slowConsumerCut();
    executor.execute(() -> finish(new CloseReason(CloseCode.OVERLOADED, why), List.of(), false));
  }

  /** Ends the session: optionally writes what is queued, then {@code finalEvents}, then closes the transport. */
  private void finish(CloseReason reason, List<ServerEvent> finalEvents, boolean flushQueue) {
    if (!lifecycle.close()) {
      return;
    }
    closeLabel = reason.code().name();
    outbound.close(flushQueue, finalEvents.stream().map(OutboundEvent::of).toList());
    transport.close(reason);
    log.fine(() -> "session " + id + " closed: " + reason.code() + " " + reason.message());
    cleanup();
  }

  void fatal(String frameId, ErrorCode code, String message, CloseCode close) {
    finish(new CloseReason(close, message), List.of(events().error(frameId, code, message, true, Map.of())), true);
  }

  /** Runs once, right after the lifecycle reached CLOSED. */
  private void cleanup() {
    core.close();
    services.metrics().sessionClosed(transport.kind(), closeLabel);
    Map<String, Long> positions = subscriptions.closeAll();
    typing.stopAll();
    services.registry().closed(this);
    services.fanout().profiles().remove(this);
    if (lifecycle.identified()) {
      // Saved before presence turns offline, so a device that sees itself offline can resume.
      resume.closed(positions);
      services.directory().sessionClosed(snapshot());
      services.presence().sessionClosed(this);
    }
  }
}
