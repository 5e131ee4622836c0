package io.chatgateway.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.EventBatch;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ReconnectEvent;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribedEvent;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The client's state machine on a fake clock against a scripted gateway: reconnect timing, hints,
 * fatal ends, token refresh, the outbox, de-duplication, gap fill, heartbeats and flow control.
 */
class ChatClientStateMachineTest {

  private final FakeScheduler clock = new FakeScheduler();
  private final FakeTransport gateway = new FakeTransport();
  private final List<StateChange> states = new ArrayList<>();
  private final List<RoomEvent> delivered = new ArrayList<>();
  private final List<String> gaps = new ArrayList<>();
  private final ChatListener recorder =
      new ChatListener() {
        @Override
        public void onStateChanged(StateChange change) {
          states.add(change);
        }

        @Override
        public void onRoomEvent(RoomEvent event) {
          delivered.add(event);
        }

        @Override
        public void onGap(String roomId, long fromSequence, long toSequence) {
          gaps.add(roomId + ":" + fromSequence + ".." + toSequence);
        }
      };

  private ChatClient.Builder builder() {
    return ChatClient.builder()
        .transport(gateway)
        .scheduler(clock)
        .random(new Random(7))
        .tokens(TokenSupplier.fixed("token-1"))
        .listener(recorder)
        .listenerExecutor(Runnable::run);
  }

  private ChatClient connected(ChatClient.Builder builder) {
    ChatClient client = builder.build();
    client.connect();
    clock.runDue();
    gateway.last().push(ready("resume-1"));
    clock.runDue();
    assertEquals(ConnectionState.CONNECTED, client.state());
    return client;
  }

  @Test
  void backoffWindowsDoubleToTheCapAndDelaysSpreadOverTheWholeWindow() {
    Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), new Random(1));
    List<Long> windows = new ArrayList<>();
    for (int attempt = 0; attempt < 80; attempt++) {
      long window = backoff.nextWindow().toMillis();
      windows.add(window);
      Duration delay = backoff.next();
      assertTrue(!delay.isNegative() && delay.toMillis() < window, "attempt " + attempt + ": " + delay + " within " + window + " ms");
    }
    assertEquals(List.of(500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L), windows.subList(0, 8));
    assertEquals(30000L, windows.get(79), "no overflow after many attempts");

    // Full jitter: 10,000 devices at the cap spread evenly over [0, 30 s), not around one value.
    Backoff capped = new Backoff(Duration.ofSeconds(30), Duration.ofSeconds(30), new Random(2));
    int[] tenths = new int[10];
    for (int i = 0; i < 10_000; i++) {
      tenths[(int) (capped.next().toMillis() / 3000)]++;
    }
    for (int tenth : tenths) {
      assertTrue(tenth > 850 && tenth < 1150, "each tenth of the window gets about 1,000 devices: " + java.util.Arrays.toString(tenths));
    }
    backoff.reset();
    assertEquals(500, backoff.nextWindow().toMillis(), "a success starts again from the base");
  }

  @Test
  void aLostConnectionIsRetriedWithinGrowingWindowsUntilReadyResetsThem() {
    ChatClient client = builder().build();
    client.connect();
    clock.runDue();
    assertEquals(1, gateway.streams.size());
    long[] windows = {500, 1000, 2000, 4000};
    for (int attempt = 0; attempt < windows.length; attempt++) {
      gateway.last().close(Status.UNAVAILABLE.withDescription("connection refused"));
      clock.runDue();
      StateChange waiting = states.get(states.size() - 1);
      assertEquals(ConnectionState.WAITING, waiting.state());
      assertEquals(StateChange.Cause.CONNECTION_LOST, waiting.cause());
      assertTrue(waiting.retryIn().toMillis() < windows[attempt], waiting.retryIn() + " within " + windows[attempt] + " ms");
      int before = gateway.streams.size();
      clock.advance(waiting.retryIn().minusNanos(1));
      assertEquals(before, gateway.streams.size(), "not before the delay");
      clock.advance(Duration.ofNanos(1));
      assertEquals(before + 1, gateway.streams.size(), "at the delay");
    }
    gateway.last().push(ready("r"));
    clock.runDue();
    gateway.last().close(Status.UNAVAILABLE);
    clock.runDue();
    assertTrue(states.get(states.size() - 1).retryIn().toMillis() < 500, "ready reset the backoff");
    client.close();
  }

  @Test
  void aDrainingGatewaysDelayIsHonouredInsteadOfTheBackoff() {
    connected(builder());
    gateway.last().push(ServerEvent.newBuilder().setReconnect(ReconnectEvent.newBuilder().setReason(ReconnectReason.RECONNECT_REASON_DRAIN).setDelay(Durations.fromSeconds(3))).build());
    clock.advance(Duration.ofSeconds(1));
    gateway.last().close(Status.UNAVAILABLE.withDescription("gateway is shutting down"));
    clock.runDue();
    StateChange waiting = states.get(states.size() - 1);
    assertEquals(StateChange.Cause.DRAIN, waiting.cause());
    assertEquals(Duration.ofSeconds(2), waiting.retryIn(), "the rest of the gateway's delay");
    clock.advance(Duration.ofMillis(1999));
    assertEquals(1, gateway.streams.size());
    clock.advance(Duration.ofMillis(1));
    assertEquals(2, gateway.streams.size());
    assertEquals("resume-1", gateway.last().sent.get(0).getHello().getResumeToken(), "the new stream resumes the old session");
  }

  @Test
  void aReplacedDeviceStopsForGoodAndItsUnackedSendsFail() {
    ChatClient client = connected(builder());
    CompletableFuture<AckEvent> pending = client.sendText("r1", "hi");
    clock.runDue();
    gateway.last().push(ServerEvent.newBuilder().setReconnect(ReconnectEvent.newBuilder().setReason(ReconnectReason.RECONNECT_REASON_REPLACED)).build());
    gateway.last().push(error("", ErrorCode.ERROR_CODE_REPLACED, true));
    gateway.last().close(Status.ABORTED.withDescription("replaced by a newer connection of the same device"));
    clock.advance(Duration.ofMinutes(10));
    assertEquals(ConnectionState.FAILED, client.state());
    assertEquals(StateChange.Cause.REPLACED, states.get(states.size() - 1).cause());
    assertEquals(1, gateway.streams.size(), "no reconnect loop");
    assertEquals(ChatClientException.Kind.FAILED, failure(pending).kind());
  }

  @Test
  void aReplaceByItsOwnAbandonedConnectionIsForgivenOnceNotTwice() {
    ChatClient client = builder().helloTimeout(Duration.ofSeconds(15)).build();
    client.connect();
    clock.runDue();
    clock.advance(Duration.ofSeconds(15)); // no ready: given up, but its hello may still be answered
    assertEquals(StateChange.Cause.HELLO_TIMEOUT, states.get(states.size() - 1).cause());
    clock.advance(Duration.ofSeconds(1));
    gateway.last().push(ready("r"));
    clock.runDue();
    gateway.last().push(error("", ErrorCode.ERROR_CODE_REPLACED, true));
    gateway.last().close(Status.ABORTED);
    clock.runDue();
    assertEquals(ConnectionState.WAITING, client.state(), "the late hello of its own abandoned connection: reconnect");
    clock.advance(Duration.ofSeconds(1));
    gateway.last().push(ready("r"));
    gateway.last().push(error("", ErrorCode.ERROR_CODE_REPLACED, true));
    gateway.last().close(Status.ABORTED);
    clock.runDue();
    assertEquals(ConnectionState.FAILED, client.state(), "replaced again: another connection of the device is real");
  }

  @Test
  void aRefusedTokenIsReplacedFromTheSupplierAndARepeatedOneStopsTheClient() {
    AtomicInteger issued = new AtomicInteger(1);
    ChatClient renewing = connected(builder().tokens(() -> CompletableFuture.completedFuture("token-" + issued.get())));
    gateway.last().push(error("", ErrorCode.ERROR_CODE_UNAUTHENTICATED, true));
    gateway.last().close(Status.UNAUTHENTICATED.withDescription("token expired"));
    clock.runDue();
    assertEquals(StateChange.Cause.UNAUTHENTICATED, states.get(states.size() - 1).cause());
    issued.incrementAndGet(); // the supplier has a fresh one by the time the client asks again
    clock.advance(Duration.ofSeconds(1));
    assertEquals("token-2", gateway.last().token, "reconnected with the fresh token");
    gateway.last().push(ready("r"));
    clock.runDue();
    assertEquals(ConnectionState.CONNECTED, renewing.state());

    // The supplier keeps answering with the refused token: nothing will fix it.
    gateway.last().close(Status.UNAUTHENTICATED.withDescription("token revoked"));
    clock.advance(Duration.ofMinutes(5));
    assertEquals(ConnectionState.FAILED, renewing.state());
    assertEquals(StateChange.Cause.UNAUTHENTICATED, states.get(states.size() - 1).cause());
    assertEquals(2, gateway.streams.size(), "the refused token is never presented again");
  }

  @Test
  void theTokenIsRefreshedAheadOfItsExpiryThenAheadOfTheNewOnesExpiry() {
    Instant firstExpiry = clock.now().plus(Duration.ofMinutes(10));
    AtomicInteger asked = new AtomicInteger();
    ChatClient client =
        builder()
            .tokenRefreshLead(Duration.ofMinutes(1))
            .tokens(() -> CompletableFuture.completedFuture(asked.incrementAndGet() == 1 ? "token-1" : jwt(clock.now().plus(Duration.ofMinutes(61)))))
            .build();
    client.connect();
    clock.runDue();
    gateway.last().push(ServerEvent.newBuilder().setReady(ReadyEvent.newBuilder().setResumeToken("r").setHeartbeatInterval(Durations.fromSeconds(25)).setTokenExpireTime(Timestamps.fromMillis(firstExpiry.toEpochMilli()))).build());
    clock.runDue();
    answerPings(Duration.ofSeconds(539)); // 8 min 59 s
    assertEquals(0, refreshes().size(), "not yet");
    answerPings(Duration.ofSeconds(1));
    assertEquals(1, refreshes().size(), "one minute before the expiry");
    assertEquals(jwt(clock.now().plus(Duration.ofMinutes(61))), refreshes().get(0).getRefreshToken().getAccessToken());
    answerPings(Duration.ofMinutes(60).minusSeconds(1));
    assertEquals(1, refreshes().size());
    answerPings(Duration.ofSeconds(1));
    assertEquals(2, refreshes().size(), "one minute before the new token's own expiry");
    client.close();
  }

  @Test
  void unackedSendsAreWrittenAgainWithTheSameIdsAfterAReconnectAndCompleteOnce() throws Exception {
    ChatClient client = connected(builder().maxOutbox(3));
    List<CompletableFuture<AckEvent>> sends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sends.add(client.send(RoomEvent.newBuilder().setRoomId("r1").setClientEventId("c" + i).build()));
    }
    clock.runDue();
    assertEquals(List.of("c0", "c1", "c2"), sentIds(gateway.last()));
    gateway.last().push(ack("r1", "c0", 1));
    gateway.last().close(Status.UNAVAILABLE);
    clock.runDue();
    sends.add(client.send(RoomEvent.newBuilder().setRoomId("r1").setClientEventId("c3").build())); // while away
    clock.runDue();
    CompletableFuture<AckEvent> overflow = client.send(RoomEvent.newBuilder().setRoomId("r1").setClientEventId("c4").build());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(ChatClientException.Kind.OUTBOX_FULL, failure(overflow).kind(), "c1, c2 and c3 wait: the outbox is full");

    gateway.last().push(ready("r"));
    clock.runDue();
    assertEquals(List.of("c1", "c2", "c3"), sentIds(gateway.last()), "unacked ones again, oldest first, same ids");
    gateway.last().push(ack("r1", "c1", 2));
    gateway.last().push(ack("r1", "c1", 2)); // a duplicate ack changes nothing
    gateway.last().push(ack("r1", "c2", 3));
    gateway.last().push(ack("r1", "c3", 4));
    clock.runDue();
    for (int i = 0; i < 4; i++) {
      assertEquals(i + 1, sends.get(i).get().getSequence());
    }
    CompletableFuture<AckEvent> refused = client.send(RoomEvent.newBuilder().setRoomId("r1").setClientEventId("c5").build());
    clock.runDue();
    gateway.last().push(error(gateway.last().sent.get(gateway.last().sent.size() - 1).getFrameId(), ErrorCode.ERROR_CODE_PERMISSION_DENIED, false));
    clock.runDue();
    assertEquals(ChatClientException.Kind.REJECTED, failure(refused).kind());
  }

  @Test
  void aResumeStatesPositionsAndEventsTheDeviceHasAreNotDeliveredTwice() {
    ChatClient client = connected(builder().positions(Map.of("r1", 4L)));
    assertEquals(Map.of("r1", 4L), gateway.streams.get(0).sent.get(0).getHello().getPositionsMap());
    gateway.last().push(subscribed(RoomSubscriptionResult.newBuilder().setRoomId("r1").setOk(true).setRecovered(true).setPosition(4).setLastSequence(6)));
    // The gateway's resume overlaps what the device has; one message is a batch.
    gateway.last().push(roomEvent("r1", 3));
    gateway.last().push(roomEvent("r1", 5));
    gateway.last().push(ServerEvent.newBuilder().setBatch(EventBatch.newBuilder().addEvents(roomEvent("r1", 5)).addEvents(roomEvent("r1", 6))).build());
    gateway.last().push(roomEvent("r1", 6));
    clock.runDue();
    assertEquals(List.of(5L, 6L), sequences());
    assertEquals(Map.of("r1", 6L), client.positions());

    gateway.last().close(Status.UNAVAILABLE);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Map.of("r1", 6L), gateway.last().sent.get(0).getHello().getPositionsMap(), "the next hello starts from what was delivered");
    assertEquals("resume-1", gateway.last().sent.get(0).getHello().getResumeToken());
  }

  @Test
  void roomsTheGatewayDidNotResumeAreSubscribedAndRoomsNoLongerWantedAreLeft() {
    ChatClient client = connected(builder());
    client.subscribe("wanted");
    clock.runDue();
    gateway.last().close(Status.UNAVAILABLE);
    clock.advance(Duration.ofSeconds(1));
    gateway.last().push(ServerEvent.newBuilder().setReady(ReadyEvent.newBuilder().setResumeToken("r2").addResumedRoomIds("stale")).build());
    clock.runDue();
    List<ConnectRequest> sent = gateway.last().sent;
    assertEquals(List.of("stale"), sent.get(1).getUnsubscribe().getRoomIdsList());
    assertEquals(List.of("wanted"), sent.get(2).getSubscribe().getRoomIdsList());
    assertTrue(sent.get(2).getSubscribe().getPositionsMap().isEmpty(), "never confirmed: no position to state");
  }

  @Test
  void whatTheGatewayCouldNotRecoverIsReadFromHistoryBeforeLiveEventsInOrderAndOnce() {
    gateway.history.put("r1", events("r1", 1, 12));
    gateway.heldHistory = new ArrayList<>();
    connected(builder().positions(Map.of("r1", 2L)));
    gateway.last().push(subscribed(RoomSubscriptionResult.newBuilder().setRoomId("r1").setOk(true).setRecovered(false).setPosition(2).setLastSequence(10)));
    gateway.last().push(roomEvent("r1", 11)); // live, while the fill reads
    gateway.last().push(roomEvent("r1", 12));
    clock.runDue();
    assertEquals(List.of(), sequences(), "held until the fill has read up to them");
    assertEquals(2, gateway.historyReads.get(0).getAfterSequence());
    gateway.heldHistory.remove(0).run();
    clock.runDue();
    assertEquals(LongStream.rangeClosed(3, 12).boxed().toList(), sequences());
    gateway.last().push(roomEvent("r1", 12));
    gateway.last().push(roomEvent("r1", 13));
    clock.runDue();
    assertEquals(13L, sequences().get(sequences().size() - 1));
    assertEquals(11, sequences().size(), "12 was not delivered twice");
    assertEquals(List.of(), gaps);
  }

  @Test
  void aFillBeyondTheRecoveryBoundReportsTheOldestAsAGap() {
    gateway.history.put("r1", events("r1", 1, 10));
    connected(builder().maxRecoveryEvents(5).positions(Map.of("r1", 2L)));
    gateway.last().push(subscribed(RoomSubscriptionResult.newBuilder().setRoomId("r1").setOk(true).setRecovered(false).setPosition(2).setLastSequence(10)));
    clock.runDue();
    assertEquals(List.of("r1:3..5"), gaps);
    assertEquals(List.of(6L, 7L, 8L, 9L, 10L), sequences());
  }

  @Test
  void aLiveEventThatSkipsAheadIsHeldWhileTheMissingOnesAreRead() {
    gateway.history.put("r1", events("r1", 1, 4));
    connected(builder().positions(Map.of("r1", 1L)));
    gateway.last().push(subscribed(RoomSubscriptionResult.newBuilder().setRoomId("r1").setOk(true).setRecovered(true).setPosition(1).setLastSequence(1)));
    gateway.last().push(roomEvent("r1", 4)); // 2 and 3 were lost on the way
    clock.runDue();
    assertEquals(List.of(2L, 3L, 4L), sequences());
  }

  @Test
  void pingsKeepTheStreamAliveAndSilenceEndsIt() {
    connected(builder());
    clock.advance(Duration.ofSeconds(25));
    assertEquals(1, gateway.last().frames(ConnectRequest::hasPing).size(), "a ping per heartbeat interval");
    gateway.last().push(ServerEvent.newBuilder().setPong(io.chatgateway.proto.v1.PongEvent.getDefaultInstance()).build());
    clock.advance(Duration.ofSeconds(25));
    assertEquals(2, gateway.last().frames(ConnectRequest::hasPing).size());
    clock.advance(Duration.ofSeconds(50)); // no pong, nothing else
    assertTrue(gateway.streams.get(0).cancelled != null, "the silent stream is given up");
    assertEquals(StateChange.Cause.HEARTBEAT_TIMEOUT, states.stream().filter(s -> s.state() == ConnectionState.WAITING).findFirst().orElseThrow().cause());
  }

  @Test
  void theStreamReadsOnlyAsFastAsTheListenerTakesEvents() {
    List<Runnable> listenerQueue = new ArrayList<>();
    ChatClient client = builder().maxBufferedMessages(2).listenerExecutor(listenerQueue::add).build();
    client.connect();
    clock.runDue();
    FakeTransport.FakeStream stream = gateway.last();
    assertEquals(2, stream.requested, "the initial credit is the buffer");
    stream.push(ready("r"));
    stream.push(roomEvent("r1", 1));
    clock.runDue();
    assertEquals(2, stream.requested, "nothing more while the listener has not taken them");
    while (!listenerQueue.isEmpty()) {
      listenerQueue.remove(0).run();
      clock.runDue();
    }
    assertEquals(4, stream.requested, "one more per message the listener took");
  }

  @Test
  void aClosedClientEndsTheStreamAndNeverReconnects() {
    ChatClient client = connected(builder());
    CompletableFuture<AckEvent> pending = client.sendText("r1", "bye");
    client.close();
    clock.advance(Duration.ofMinutes(5));
    assertTrue(gateway.last().finished);
    assertEquals(1, gateway.streams.size());
    assertEquals(ConnectionState.CLOSED, client.state());
    assertTrue(clock.shutdown);
    assertEquals(ChatClientException.Kind.CLOSED, failure(pending).kind());
  }

  @Test
  void unusableSettingsAndArgumentsAreRefusedSayingWhich() {
    assertMessage(IllegalStateException.class, "tokens(..) is required", () -> ChatClient.builder().target("localhost:1").build());
    assertMessage(IllegalStateException.class, "exactly one of target(..) and channel(..)", () -> ChatClient.builder().tokens(TokenSupplier.fixed("t")).build());
    assertMessage(IllegalArgumentException.class, "maxOutbox must be positive", () -> builder().maxOutbox(0).build());
    assertMessage(IllegalArgumentException.class, "maxBufferedMessages must be positive", () -> builder().maxBufferedMessages(-1).build());
    assertMessage(IllegalArgumentException.class, "backoff needs 0 < base <= cap", () -> builder().backoff(Duration.ofSeconds(5), Duration.ofSeconds(1)).build());
    assertMessage(IllegalArgumentException.class, "helloTimeout must be positive", () -> builder().helloTimeout(Duration.ZERO).build());
    assertMessage(IllegalArgumentException.class, "position of r1 is negative", () -> builder().positions(Map.of("r1", -1L)));
    ChatClient client = builder().build();
    assertMessage(IllegalArgumentException.class, "roomId is empty", () -> client.subscribe(""));
    assertMessage(IllegalArgumentException.class, "roomId is empty", () -> client.send(RoomEvent.getDefaultInstance()));
  }

  private static void assertMessage(Class<? extends RuntimeException> type, String text, org.junit.jupiter.api.function.Executable call) {
    RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(type, call);
    assertTrue(refused.getMessage().contains(text), refused.getMessage());
  }

  // ---- helpers

  private void answerPings(Duration span) {
    Duration step = Duration.ofSeconds(1);
    for (Duration left = span; !left.isZero(); left = left.minus(step.compareTo(left) < 0 ? step : left)) {
      clock.advance(step.compareTo(left) < 0 ? step : left);
      gateway.last().push(ServerEvent.newBuilder().setPong(io.chatgateway.proto.v1.PongEvent.getDefaultInstance()).build());
      clock.runDue();
    }
  }

  private List<ConnectRequest> refreshes() {
    return gateway.last().frames(ConnectRequest::hasRefreshToken);
  }

  private List<Long> sequences() {
    return delivered.stream().map(RoomEvent::getSequence).toList();
  }

  private static List<String> sentIds(FakeTransport.FakeStream stream) {
    return stream.frames(ConnectRequest::hasSend).stream().map(f -> f.getSend().getEvents(0).getClientEventId()).toList();
  }

  private static ChatClientException failure(CompletableFuture<?> future) {
    assertTrue(future.isDone(), "completed");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, future::get);
    return assertInstanceOf(ChatClientException.class, e.getCause());
  }

  private static ServerEvent ready(String resumeToken) {
    return ServerEvent.newBuilder().setReady(ReadyEvent.newBuilder().setResumeToken(resumeToken).setHeartbeatInterval(Durations.fromSeconds(25))).build();
  }

  private static ServerEvent error(String frameId, ErrorCode code, boolean fatal) {
    return ServerEvent.newBuilder().setFrameId(frameId).setError(ErrorEvent.newBuilder().setCode(code).setMessage(code.name()).setFatal(fatal)).build();
  }

  private static ServerEvent ack(String room, String clientEventId, long sequence) {
    return ServerEvent.newBuilder().setAck(AckEvent.newBuilder().setRoomId(room).setClientEventId(clientEventId).setSequence(sequence)).build();
  }

  private static ServerEvent subscribed(RoomSubscriptionResult.Builder result) {
    return ServerEvent.newBuilder().setSubscribed(SubscribedEvent.newBuilder().addResults(result)).build();
  }

  private static ServerEvent roomEvent(String room, long sequence) {
    return ServerEvent.newBuilder().setRoomEvent(event(room, sequence)).build();
  }

  private static RoomEvent event(String room, long sequence) {
    return RoomEvent.newBuilder().setRoomId(room).setSequence(sequence).setId(room + "-" + sequence).build();
  }

  private static List<RoomEvent> events(String room, long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(s -> event(room, s)).toList();
  }

  private static String jwt(Instant expiry) {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    String header = encoder.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
    String claims = encoder.encodeToString(("{\"sub\":\"alice\",\"exp\":" + expiry.getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8));
    return header + "." + claims + ".c2ln";
  }

  @Test
  void theJwtExpiryIsReadAndAnythingElseHasNone() {
    Instant expiry = Instant.parse("2027-01-01T00:00:00Z");
    assertEquals(expiry, TokenExpiry.of(jwt(expiry)).orElseThrow());
    assertFalse(TokenExpiry.of("opaque-token").isPresent());
    assertFalse(TokenExpiry.of("a.!!!.c").isPresent());
  }
}
