package io.chatgateway.device;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.HistoryDirection;
import io.chatgateway.proto.v1.PingFrame;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.ReadMarkerFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ReceiptFrame;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RefreshTokenFrame;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import io.chatgateway.proto.v1.UnsubscribeFrame;
import io.chatgateway.proto.v1.UnsubscribeReason;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The client's state machine: connects, resumes, reconnects, fills gaps and replays the outbox.
 *
 * <p>Ownership: every field belongs to the loop ({@link Scheduler}); every method runs on it.
 * Transport callbacks and token and history answers come back through {@link Scheduler#execute}
 * tagged with the connection's {@code generation}, so an answer for an abandoned connection is
 * recognised and dropped.
 *
 * <p>Lifecycle: {@code IDLE → CONNECTING → CONNECTED → WAITING → CONNECTING ...}, ending in {@code
 * CLOSED} (the application) or {@code FAILED} (replaced, a token nothing fixes, a refusal).
 */
final class ClientCore {

  private final Settings settings;
  private final Scheduler loop;
  private final StreamTransport transport;
  private final TokenSupplier tokens;
  private final ListenerQueue listener;
  private final RandomGenerator random;
  private final Backoff backoff;
  private final Outbox outbox;
  private final Map<String, RoomFeed> rooms = new LinkedHashMap<>();
  private final Map<String, List<String>> subscribeFrames = new HashMap<>();
  private final Map<String, Long> unsentReadMarkers = new HashMap<>();
  private final Map<String, Long> unsentReceipts = new HashMap<>();
  /** Positions as handed to the listener, readable from any thread. */
  private final Map<String, Long> positionsView = new ConcurrentHashMap<>();

  private volatile ConnectionState state = ConnectionState.IDLE;
  private PresenceFrame presence;
  private StreamTransport.Stream stream;
  private int generation;
  private long frames;
  private String token;
  private String refusedToken;
  private int authFailures;
  private String resumeToken = "";
  private ErrorEvent fatal;
  private boolean replacedHint;
  private long drainAtNanos = -1;
  /** Until when a REPLACED may be the late hello of a connection this client gave up on (-1: none). */
  private long lateHelloUntilNanos = -1;
  private Duration heartbeat;
  private long lastInboundNanos;
  private Scheduler.Timer reconnectTimer = Scheduler.Timer.NONE;
  private Scheduler.Timer helloTimer = Scheduler.Timer.NONE;
  private Scheduler.Timer heartbeatTimer = Scheduler.Timer.NONE;
  private Scheduler.Timer refreshTimer = Scheduler.Timer.NONE;

  ClientCore(Settings settings, Scheduler loop, StreamTransport transport, TokenSupplier tokens, ListenerQueue listener, RandomGenerator random) {
    this.settings = settings;
    this.loop = loop;
    this.transport = transport;
    this.tokens = tokens;
    this.listener = listener;
    this.random = random;
    this.backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), random);
    this.outbox = new Outbox(settings.maxOutbox());
    settings.initialPositions().forEach((room, position) -> addRoom(room, position));
  }

  ConnectionState state() {
    return state;
  }

  Map<String, Long> positions() {
    return Map.copyOf(positionsView);
  }

  // ---- calls from the application (through ChatClient, on the loop)

  void connect() {
    if (state == ConnectionState.IDLE) {
      attempt(StateChange.Cause.STARTED, "");
    }
  }

  void close() {
    if (state.terminal()) {
      return;
    }
    if (stream != null) {
      stream.finish();
    }
    stop(ConnectionState.CLOSED, StateChange.Cause.CLOSED_BY_CLIENT, "closed by the application", ChatClientException.Kind.CLOSED);
  }

  void subscribe(String roomId, CompletableFuture<RoomSubscriptionResult> result) {
    if (state.terminal()) {
      listener.run(() -> result.completeExceptionally(new ChatClientException(terminalKind(), "the client is " + state)));
      return;
    }
    RoomFeed feed = rooms.get(roomId);
    if (feed == null) {
      feed = addRoom(roomId, RoomFeed.UNKNOWN);
      feed.waiting().add(result);
      if (state == ConnectionState.CONNECTED) {
        subscribeFrame(List.of(feed));
      }
    } else if (feed.confirmed()) {
      listener.run(() -> result.complete(RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true).setRecovered(true).build()));
    } else {
      feed.waiting().add(result);
    }
  }

  void unsubscribe(String roomId) {
    RoomFeed feed = rooms.remove(roomId);
    if (feed == null) {
      return;
    }
    positionsView.remove(roomId);
    feed.disconnected(); // cancels a fill in flight
    ChatClientException gone = new ChatClientException(ChatClientException.Kind.INVALID, "unsubscribed before the gateway answered");
    feed.waiting().forEach(waiting -> listener.run(() -> waiting.completeExceptionally(gone)));
    if (state == ConnectionState.CONNECTED) {
      write(ConnectRequest.newBuilder().setFrameId(nextFrameId("unsub")).setUnsubscribe(UnsubscribeFrame.newBuilder().addRoomIds(roomId)));
    }
  }

  void send(RoomEvent event, CompletableFuture<AckEvent> result) {
    if (state.terminal()) {
      listener.run(() -> result.completeExceptionally(new ChatClientException(terminalKind(), "the client is " + state)));
      return;
    }
    Outbox.Entry entry = outbox.add(event);
    if (entry == null) {
      ChatClientException full =
          new ChatClientException(ChatClientException.Kind.OUTBOX_FULL, "the outbox holds " + settings.maxOutbox() + " unacked sends; wait for acks");
      listener.run(() -> result.completeExceptionally(full));
      return;
    }
    entry.future.whenComplete((ack, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(ack);
      }
    });
    if (state == ConnectionState.CONNECTED && entry.frameId.isEmpty()) {
      writeSend(entry);
    }
  }

  void typing(String roomId, boolean started) {
    RoomFeed feed = rooms.get(roomId);
    if (state == ConnectionState.CONNECTED && feed != null && feed.confirmed()) {
      TypingState typing = started ? TypingState.TYPING_STATE_STARTED : TypingState.TYPING_STATE_STOPPED;
      write(ConnectRequest.newBuilder().setTyping(TypingFrame.newBuilder().setRoomId(roomId).setState(typing)));
    } // typing is momentary: not worth sending late
  }

  void readMarker(String roomId, long upToSequence) {
    unsentReadMarkers.merge(roomId, upToSequence, Math::max);
    flushMarkers();
  }

  void receipt(String roomId, long upToSequence) {
    unsentReceipts.merge(roomId, upToSequence, Math::max);
    flushMarkers();
  }

  void presence(PresenceFrame frame) {
    presence = frame;
    if (state == ConnectionState.CONNECTED) {
      write(ConnectRequest.newBuilder().setPresence(frame));
    }
  }

  /** Asks {@code tokens} for a token; a supplier that throws instead of failing its stage counts as failed. */
  static CompletableFuture<String> fetchToken(TokenSupplier tokens) {
    try {
      return tokens.token().toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- connecting

  private void attempt(StateChange.Cause cause, String message) {
    int attempt = ++generation;
    setState(ConnectionState.CONNECTING, cause, message, Duration.ZERO);
    fetchToken(tokens).whenComplete((fresh, error) -> loop.execute(() -> open(attempt, fresh, error)));
  }

  private void open(int attempt, String fresh, Throwable error) {
    if (attempt != generation || state != ConnectionState.CONNECTING) {
      return;
    }
    if (error != null || fresh == null || fresh.isEmpty()) {
      retryLater(StateChange.Cause.TOKEN_UNAVAILABLE, "the token supplier failed: " + (error == null ? "no token" : error), backoff.next());
      return;
    }
    if (fresh.equals(refusedToken)) {
      fail(StateChange.Cause.UNAUTHENTICATED, "the gateway refused the token and the token supplier has no other");
      return;
    }
    token = fresh;
    fatal = null;
    replacedHint = false;
    drainAtNanos = -1;
    stream = transport.open(fresh, new StreamHandler(attempt));
    stream.request(settings.maxBufferedMessages());
    HelloFrame.Builder hello =
        HelloFrame.newBuilder().setResumeToken(resumeToken).addAllCapabilities(settings.capabilities()).setUserAgent(settings.userAgent()).setClientTime(Timestamps.fromMillis(loop.now().toEpochMilli()));
    rooms.values().forEach(feed -> feed.positionInto(hello.getMutablePositions()));
    write(ConnectRequest.newBuilder().setFrameId(nextFrameId("hello")).setHello(hello));
    lastInboundNanos = loop.nanoTime();
    helloTimer = loop.schedule(() -> {
      if (attempt == generation && state == ConnectionState.CONNECTING) {
        abandon(StateChange.Cause.HELLO_TIMEOUT, "no ready within " + settings.helloTimeout().toMillis() + " ms");
      }
    }, settings.helloTimeout().toNanos());
  }

  /** Reports one stream's messages to the loop, tagged with its attempt. */
  private final class StreamHandler implements StreamTransport.Handler {
    private final int attempt;

    StreamHandler(int attempt) {
      this.attempt = attempt;
    }

    @Override
    public void onEvent(ServerEvent event) {
      loop.execute(() -> received(attempt, event));
    }

    @Override
    public void onClosed(Status status) {
      loop.execute(() -> {
        if (attempt == generation && stream != null) {
          closed(status);
        }
      });
    }
  }

  // ---- receiving

  private void received(int attempt, ServerEvent event) {
    if (attempt != generation || stream == null) {
      return; // a message of an abandoned stream: its credit no longer matters
    }
    lastInboundNanos = loop.nanoTime();
    List<Consumer<ChatListener>> calls = new ArrayList<>();
    dispatch(event, calls);
    listener.message(calls, () -> {
      if (attempt == generation && stream != null) {
        stream.request(1);
      }
    });
  }

  private void dispatch(ServerEvent event, List<Consumer<ChatListener>> calls) {
    switch (event.getEventCase()) {
      case READY -> ready(event.getReady(), calls);
      case ROOM_EVENT -> live(event.getRoomEvent(), calls);
      case ACK -> acked(event.getAck(), calls);
      case SUBSCRIBED -> event.getSubscribed().getResultsList().forEach(result -> subscribed(result, calls));
      case UNSUBSCRIBED -> {
        if (event.getUnsubscribed().getReason() != UnsubscribeReason.UNSUBSCRIBE_REASON_REQUESTED) {
          event.getUnsubscribed().getResultsList().forEach(result -> ended(result.getRoomId(), event.getUnsubscribed().getReason(), result.getError(), calls));
        }
      }
      case ERROR -> error(event.getFrameId(), event.getError(), calls);
      case RECONNECT -> {
        replacedHint |= event.getReconnect().getReason() == ReconnectReason.RECONNECT_REASON_REPLACED;
        drainAtNanos = loop.nanoTime() + Durations.toNanos(event.getReconnect().getDelay());
      }
      case TYPING -> calls.add(l -> l.onTyping(event.getTyping()));
      case RECEIPT -> calls.add(l -> l.onReceipt(event.getReceipt()));
      case READ_MARKER -> calls.add(l -> l.onReadMarker(event.getReadMarker()));
      case PRESENCE -> calls.add(l -> l.onPresence(event.getPresence()));
      case BATCH -> event.getBatch().getEventsList().forEach(inner -> dispatch(inner, calls));
      default -> {} // pong (its arrival is what the heartbeat checks), and events newer than this client
    }
  }

  private void ready(ReadyEvent ready, List<Consumer<ChatListener>> calls) {
    helloTimer.cancel();
    backoff.reset();
    refusedToken = null;
    authFailures = 0;
    resumeToken = ready.getResumeToken();
    listener.call(l -> l.onReady(ready));
    setState(ConnectionState.CONNECTED, StateChange.Cause.READY, "session " + ready.getSessionId() + " on gateway " + ready.getGatewayId(), Duration.ZERO);
    heartbeat = ready.hasHeartbeatInterval() && Durations.toNanos(ready.getHeartbeatInterval()) > 0
        ? Duration.ofNanos(Durations.toNanos(ready.getHeartbeatInterval()))
        : settings.heartbeatFallback();
    scheduleHeartbeat(generation);
    if (ready.hasTokenExpireTime()) {
      scheduleRefresh(generation, Instant.ofEpochMilli(Timestamps.toMillis(ready.getTokenExpireTime())));
    }
    Set<String> resumed = new HashSet<>(ready.getResumedRoomIdsList());
    List<String> unwanted = resumed.stream().filter(room -> !rooms.containsKey(room)).sorted().toList();
    if (!unwanted.isEmpty()) {
      write(ConnectRequest.newBuilder().setFrameId(nextFrameId("unsub")).setUnsubscribe(UnsubscribeFrame.newBuilder().addAllRoomIds(unwanted)));
    }
    subscribeFrame(rooms.values().stream().filter(feed -> !resumed.contains(feed.roomId)).toList());
    outbox.waiting().forEach(this::writeSend);
    flushMarkers();
    if (presence != null) {
      write(ConnectRequest.newBuilder().setPresence(presence));
    }
  }

  private void live(RoomEvent event, List<Consumer<ChatListener>> calls) {
    RoomFeed feed = rooms.get(event.getRoomId());
    if (feed == null) {
      return; // unsubscribed while the event was on its way
    }
    List<RoomEvent> deliverable = new ArrayList<>();
    boolean fill = feed.live(event, deliverable);
    deliver(feed, deliverable, calls);
    if (fill) {
      fill(feed, calls);
    }
  }

  private void acked(AckEvent ack, List<Consumer<ChatListener>> calls) {
    Outbox.Entry entry = outbox.acked(ack);
    if (entry != null) {
      calls.add(l -> entry.future.complete(ack));
    }
  }

  private void subscribed(RoomSubscriptionResult result, List<Consumer<ChatListener>> calls) {
    RoomFeed feed = rooms.get(result.getRoomId());
    if (feed == null) {
      return;
    }
    if (!result.getOk()) {
      if (result.getError().getCode() == ErrorCode.ERROR_CODE_UNAVAILABLE) {
        resubscribeLater(feed); // the core is away: the room is still wanted
      } else {
        ended(feed.roomId, UnsubscribeReason.UNSUBSCRIBE_REASON_UNSPECIFIED, result.getError(), calls);
      }
      return;
    }
    boolean fill = feed.subscribed(result);
    if (feed.position() != RoomFeed.UNKNOWN) {
      positionsView.put(feed.roomId, feed.position());
    }
    List<CompletableFuture<RoomSubscriptionResult>> waiting = List.copyOf(feed.waiting());
    feed.waiting().clear();
    calls.add(l -> {
      waiting.forEach(future -> future.complete(result));
      l.onSubscribed(result);
    });
    if (fill) {
      fill(feed, calls);
    }
  }

  /** The gateway ended or refused a room's subscription: the client lets the room go. */
  private void ended(String roomId, UnsubscribeReason reason, ErrorEvent error, List<Consumer<ChatListener>> calls) {
    RoomFeed feed = rooms.remove(roomId);
    if (feed == null) {
      return;
    }
    positionsView.remove(roomId);
    feed.disconnected();
    List<CompletableFuture<RoomSubscriptionResult>> waiting = List.copyOf(feed.waiting());
    ChatClientException refused = new ChatClientException(ChatClientException.Kind.REJECTED, "subscription to " + roomId + " refused: " + error.getMessage(), error);
    calls.add(l -> {
      waiting.forEach(future -> future.completeExceptionally(refused));
      l.onUnsubscribed(roomId, reason, error);
    });
  }

  private void error(String frameId, ErrorEvent error, List<Consumer<ChatListener>> calls) {
    if (error.getFatal()) {
      fatal = error; // the end of the stream follows; it decides what happens next
      return;
    }
    Outbox.Entry entry = outbox.byFrame(frameId);
    if (entry != null) {
      if (error.getCode() == ErrorCode.ERROR_CODE_UNAVAILABLE || error.getCode() == ErrorCode.ERROR_CODE_RATE_LIMITED) {
        resendLater(entry);
      } else {
        outbox.remove(entry);
        ChatClientException refused = new ChatClientException(ChatClientException.Kind.REJECTED, error.getCode() + ": " + error.getMessage(), error);
        calls.add(l -> entry.future.completeExceptionally(refused));
      }
      return;
    }
    List<String> refusedRooms = subscribeFrames.remove(frameId);
    if (refusedRooms != null) {
      RoomSubscriptionResult.Builder result = RoomSubscriptionResult.newBuilder().setOk(false).setError(error);
      refusedRooms.forEach(room -> subscribed(result.setRoomId(room).build(), calls));
      return;
    }
    calls.add(l -> l.onError(error));
  }

  // ---- gap fill

  private void fill(RoomFeed feed, List<Consumer<ChatListener>> calls) {
    long backlog = feed.fillBacklog();
    if (backlog > settings.maxRecoveryEvents()) {
      long skipTo = feed.position() + backlog - settings.maxRecoveryEvents();
      long from = feed.position() + 1;
      feed.skip(skipTo);
      calls.add(l -> l.onGap(feed.roomId, from, skipTo));
    }
    readPage(feed, feed.fillGeneration());
  }

  private void readPage(RoomFeed feed, int fillGeneration) {
    GetHistoryRequest request =
        GetHistoryRequest.newBuilder()
            .setRoomId(feed.roomId)
            .setDirection(HistoryDirection.HISTORY_DIRECTION_FORWARD)
            .setAfterSequence(feed.position())
            .setPageSize(Settings.HISTORY_PAGE)
            .build();
    transport.history(token, request).whenComplete((page, error) -> loop.execute(() -> page(feed, fillGeneration, page, error)));
  }

  private void page(RoomFeed feed, int fillGeneration, GetHistoryResponse page, Throwable error) {
    if (rooms.get(feed.roomId) != feed || feed.fillGeneration() != fillGeneration || !feed.filling() || state.terminal()) {
      return; // unsubscribed, or the connection ended: the next hello states the position instead
    }
    List<RoomEvent> deliverable = new ArrayList<>();
    List<RoomFeed.Gap> gaps = new ArrayList<>();
    RoomFeed.Fill next = error != null ? RoomFeed.Fill.STALLED : feed.filled(page.getEventsList(), page.getHasMore(), deliverable, gaps);
    if (next == RoomFeed.Fill.STALLED && error == null && feed.stalls() >= Settings.MAX_FILL_STALLS) {
      RoomFeed.Gap skipped = feed.abandonFill(deliverable);
      if (skipped != null) {
        gaps.add(skipped);
      }
      next = feed.filling() ? RoomFeed.Fill.MORE : RoomFeed.Fill.DONE;
    }
    List<Consumer<ChatListener>> calls = new ArrayList<>();
    gaps.forEach(gap -> calls.add(l -> l.onGap(feed.roomId, gap.from(), gap.to())));
    deliver(feed, deliverable, calls);
    if (!calls.isEmpty()) {
      listener.message(calls, () -> {});
    }
    switch (next) {
      case MORE -> readPage(feed, fillGeneration);
      case STALLED -> loop.schedule(() -> {
        if (rooms.get(feed.roomId) == feed && feed.fillGeneration() == fillGeneration && feed.filling()) {
          readPage(feed, fillGeneration);
        }
      }, jittered(settings.retryDelay()).toNanos());
      case DONE -> {}
    }
  }

  // ---- ending a connection

  private void closed(Status status) {
    ErrorEvent why = fatal;
    endConnection();
    if (state.terminal()) {
      return;
    }
    ErrorCode code = why == null ? ErrorCode.ERROR_CODE_UNSPECIFIED : why.getCode();
    String message = why != null ? why.getMessage() : status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    boolean replaced = replacedHint || code == ErrorCode.ERROR_CODE_REPLACED || status.getCode() == Status.Code.ABORTED;
    if (replaced && loop.nanoTime() < lateHelloUntilNanos) {
      // Most likely this client's own connection that it gave up waiting for: its hello was answered
      // after this one's (a gateway of another instance, or under load). Once, not in a loop.
      lateHelloUntilNanos = -1;
      retryLater(StateChange.Cause.CONNECTION_LOST, "replaced, probably by the late hello of a connection given up before: " + message, backoff.next());
    } else if (replaced) {
      fail(StateChange.Cause.REPLACED, message);
    } else if (code == ErrorCode.ERROR_CODE_UNAUTHENTICATED || status.getCode() == Status.Code.UNAUTHENTICATED) {
      refusedToken = token;
      if (++authFailures >= Settings.MAX_AUTH_FAILURES) {
        fail(StateChange.Cause.UNAUTHENTICATED, authFailures + " tokens in a row refused: " + message);
      } else {
        retryLater(StateChange.Cause.UNAUTHENTICATED, message, backoff.next());
      }
    } else if (code == ErrorCode.ERROR_CODE_PERMISSION_DENIED
        || status.getCode() == Status.Code.PERMISSION_DENIED
        || status.getCode() == Status.Code.UNIMPLEMENTED) {
      fail(StateChange.Cause.REFUSED, message);
    } else if (drainAtNanos >= 0) {
      retryLater(StateChange.Cause.DRAIN, message, Duration.ofNanos(Math.max(0, drainAtNanos - loop.nanoTime())));
    } else if (why != null) {
      retryLater(StateChange.Cause.SERVER_ERROR, message, backoff.next());
    } else {
      retryLater(StateChange.Cause.CONNECTION_LOST, message, backoff.next());
    }
  }

  /** The client gave the connection up (no ready, no heartbeat): cancel it and try again. */
  private void abandon(StateChange.Cause cause, String message) {
    if (cause == StateChange.Cause.HELLO_TIMEOUT) {
      lateHelloUntilNanos = loop.nanoTime() + 2 * settings.helloTimeout().toNanos();
    }
    StreamTransport.Stream abandoned = stream;
    endConnection();
    if (abandoned != null) {
      abandoned.cancel(message);
    }
    retryLater(cause, message, backoff.next());
  }

  private void endConnection() {
    generation++; // whatever the old stream still reports is dropped
    stream = null;
    fatal = null;
    helloTimer.cancel();
    heartbeatTimer.cancel();
    refreshTimer.cancel();
    rooms.values().forEach(RoomFeed::disconnected);
    subscribeFrames.clear();
    outbox.unwritten();
  }

  private void retryLater(StateChange.Cause cause, String message, Duration delay) {
    setState(ConnectionState.WAITING, cause, message, delay);
    reconnectTimer = loop.schedule(() -> {
      if (state == ConnectionState.WAITING) {
        attempt(cause, message);
      }
    }, delay.toNanos());
  }

  private void fail(StateChange.Cause cause, String message) {
    stop(ConnectionState.FAILED, cause, message, ChatClientException.Kind.FAILED);
  }

  private void stop(ConnectionState end, StateChange.Cause cause, String message, ChatClientException.Kind kind) {
    endConnection();
    reconnectTimer.cancel();
    setState(end, cause, message, Duration.ZERO);
    ChatClientException stopped = new ChatClientException(kind, "the client is " + end + " (" + cause + "): " + message);
    for (Outbox.Entry entry : outbox.clear()) {
      listener.run(() -> entry.future.completeExceptionally(stopped));
    }
    for (RoomFeed feed : rooms.values()) {
      List<CompletableFuture<RoomSubscriptionResult>> waiting = List.copyOf(feed.waiting());
      feed.waiting().clear();
      waiting.forEach(future -> listener.run(() -> future.completeExceptionally(stopped)));
    }
  }

  private ChatClientException.Kind terminalKind() {
    return state == ConnectionState.CLOSED ? ChatClientException.Kind.CLOSED : ChatClientException.Kind.FAILED;
  }

  // ---- timers while connected

  private void scheduleHeartbeat(int attempt) {
    heartbeatTimer = loop.schedule(() -> beat(attempt), heartbeat.toNanos());
  }

  private void beat(int attempt) {
    if (attempt != generation || state != ConnectionState.CONNECTED) {
      return;
    }
    // With the listener's buffer full the client reads nothing, pongs included: silence proves nothing then.
    if (loop.nanoTime() - lastInboundNanos > 2 * heartbeat.toNanos() && !listener.saturated()) {
      abandon(StateChange.Cause.HEARTBEAT_TIMEOUT, "nothing from the gateway for " + 2 * heartbeat.toMillis() + " ms");
      return;
    }
    write(ConnectRequest.newBuilder().setPing(PingFrame.newBuilder().setClientTime(Timestamps.fromMillis(loop.now().toEpochMilli()))));
    scheduleHeartbeat(attempt);
  }

  private void scheduleRefresh(int attempt, Instant expiry) {
    Duration remaining = Duration.between(loop.now(), expiry);
    if (remaining.isNegative() || remaining.isZero()) {
      return; // the gateway ends the session; the reconnect fetches a fresh token
    }
    Duration lead = settings.refreshLead().compareTo(remaining.dividedBy(2)) < 0 ? settings.refreshLead() : remaining.dividedBy(2);
    refreshTimer = loop.schedule(() -> refresh(attempt, expiry), remaining.minus(lead).toNanos());
  }

  private void refresh(int attempt, Instant expiry) {
    if (attempt != generation || state != ConnectionState.CONNECTED) {
      return;
    }
    fetchToken(tokens).whenComplete((fresh, error) -> loop.execute(() -> refreshed(attempt, expiry, fresh, error)));
  }

  private void refreshed(int attempt, Instant expiry, String fresh, Throwable error) {
    if (attempt != generation || state != ConnectionState.CONNECTED) {
      return;
    }
    if (error != null || fresh == null || fresh.isEmpty() || fresh.equals(token)) {
      scheduleRefresh(attempt, expiry); // nothing new yet: ask again in half the time left
      return;
    }
    token = fresh;
    write(ConnectRequest.newBuilder().setFrameId(nextFrameId("refresh")).setRefreshToken(RefreshTokenFrame.newBuilder().setAccessToken(fresh)));
    TokenExpiry.of(fresh).ifPresent(next -> scheduleRefresh(attempt, next));
  }

  // ---- writing

  private void subscribeFrame(List<RoomFeed> feeds) {
    for (int from = 0; from < feeds.size(); from += Settings.ROOMS_PER_FRAME) {
      SubscribeFrame.Builder frame = SubscribeFrame.newBuilder();
      List<String> roomIds = new ArrayList<>();
      for (RoomFeed feed : feeds.subList(from, Math.min(feeds.size(), from + Settings.ROOMS_PER_FRAME))) {
        roomIds.add(feed.roomId);
        feed.positionInto(frame.getMutablePositions());
      }
      String frameId = nextFrameId("sub");
      subscribeFrames.put(frameId, roomIds);
      write(ConnectRequest.newBuilder().setFrameId(frameId).setSubscribe(frame.addAllRoomIds(roomIds)));
    }
  }

  private void resubscribeLater(RoomFeed feed) {
    int attempt = generation;
    loop.schedule(() -> {
      if (attempt == generation && state == ConnectionState.CONNECTED && rooms.get(feed.roomId) == feed && !feed.confirmed()) {
        subscribeFrame(List.of(feed));
      }
    }, jittered(settings.retryDelay()).toNanos());
  }

  private void writeSend(Outbox.Entry entry) {
    String frameId = nextFrameId("send");
    outbox.written(entry, frameId);
    write(ConnectRequest.newBuilder().setFrameId(frameId).setSend(SendFrame.newBuilder().addEvents(entry.event)));
  }

  private void resendLater(Outbox.Entry entry) {
    int attempt = generation;
    outbox.written(entry, "");
    Duration delay = jittered(settings.retryDelay().multipliedBy(1L << Math.min(entry.retries++, 5)));
    loop.schedule(() -> {
      if (attempt == generation && state == ConnectionState.CONNECTED && entry.frameId.isEmpty() && outbox.waiting().contains(entry)) {
        writeSend(entry);
      }
    }, delay.toNanos());
  }

  private void flushMarkers() {
    if (state != ConnectionState.CONNECTED) {
      return; // kept, newest per room, for the next connection
    }
    unsentReadMarkers.forEach((room, sequence) -> write(ConnectRequest.newBuilder().setReadMarker(ReadMarkerFrame.newBuilder().setRoomId(room).setUpToSequence(sequence))));
    unsentReceipts.forEach((room, sequence) -> write(ConnectRequest.newBuilder().setReceipt(ReceiptFrame.newBuilder().setRoomId(room).setUpToSequence(sequence))));
    unsentReadMarkers.clear();
    unsentReceipts.clear();
  }

  private void write(ConnectRequest.Builder frame) {
    stream.send(frame.build());
  }

  private String nextFrameId(String kind) {
    return kind + "-" + ++frames;
  }

  // ---- helpers

  private RoomFeed addRoom(String roomId, long position) {
    RoomFeed feed = new RoomFeed(roomId, position, settings.maxHeldEvents());
    rooms.put(roomId, feed);
    if (position != RoomFeed.UNKNOWN) {
      positionsView.put(roomId, position);
    }
    return feed;
  }

  private void deliver(RoomFeed feed, List<RoomEvent> events, List<Consumer<ChatListener>> calls) {
    if (events.isEmpty()) {
      return;
    }
    positionsView.put(feed.roomId, feed.position());
    for (RoomEvent event : events) {
      calls.add(l -> l.onRoomEvent(event));
    }
  }

  /** A delay spread over {@code [d/2, 3d/2)}: retries of many devices do not land together. */
  private Duration jittered(Duration delay) {
    long nanos = delay.toNanos();
    return Duration.ofNanos(nanos / 2 + (nanos <= 0 ? 0 : random.nextLong(nanos)));
  }

  private void setState(ConnectionState next, StateChange.Cause cause, String message, Duration retryIn) {
    state = next;
    StateChange change = new StateChange(next, cause, message, retryIn);
    listener.call(l -> l.onStateChanged(change));
  }
}
