package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.PingFrame;
import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RefreshTokenFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The session's protocol rules on real {@link DeviceSession}s driven through {@link SessionHarness}:
 * no sockets, and every clock is the fake one, so rules about seconds and minutes take milliseconds.
 */
class SessionCoreTest {

  static ConnectRequest.Builder ping(String frameId) {
    return ConnectRequest.newBuilder().setFrameId(frameId).setPing(PingFrame.getDefaultInstance());
  }

  static ConnectRequest.Builder hello() {
    return ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.getDefaultInstance());
  }

  @Test
  void helloIsAnsweredWithReadyAndAnythingElseFirstIsFatal() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("HEARTBEAT_INTERVAL_SEC", "20"))) {
      SessionHarness.Device device = harness.open("ann");
      device.send(hello());
      ReadyEvent ready = device.last().getReady();
      assertEquals("gw-test", ready.getGatewayId());
      assertEquals(20, ready.getHeartbeatInterval().getSeconds());
      assertFalse(ready.getResumeToken().isEmpty());
      device.send(ping("p"));
      assertTrue(device.last().hasPong());

      SessionHarness.Device rude = harness.open("bob");
      rude.send(ping("first"));
      assertEquals(ErrorCode.ERROR_CODE_HELLO_REQUIRED, rude.last().getError().getCode());
      assertTrue(rude.last().getError().getFatal());
      assertEquals(CloseCode.PROTOCOL_ERROR, rude.transport.closed.code());
    }
  }

  @Test
  void ofTwoConnectionsOfADeviceTheLaterOpenedStaysWhicheverHelloIsAnsweredLast() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      // A device gave up on a slow connection and opened a new one; the old one's hello arrives last.
      SessionHarness.Device abandoned = harness.open("val");
      SessionHarness.Device current = harness.open("val");
      current.send(hello());
      assertTrue(current.last().hasReady());
      abandoned.send(hello());
      assertEquals(CloseCode.REPLACED, abandoned.transport.closed.code(), "the earlier-opened connection is the one replaced");
      assertNull(current.transport.closed, "the device's newest connection stays");

      // In the usual order, a newer connection replaces the older one.
      SessionHarness.Device newest = harness.open("val");
      newest.send(hello());
      assertEquals(CloseCode.REPLACED, current.transport.closed.code());
      assertNull(newest.transport.closed);
    }
  }

  @Test
  void noHelloWithinTheWindowEndsTheSession() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("HELLO_TIMEOUT_SEC", "10"))) {
      SessionHarness.Device silent = harness.open("sid");
      harness.advance(Duration.ofSeconds(9));
      assertNull(silent.transport.closed, "inside the window");
      harness.advance(Duration.ofSeconds(1));
      assertEquals(CloseCode.IDLE, silent.transport.closed.code());
      assertEquals(ErrorCode.ERROR_CODE_IDLE_TIMEOUT, silent.last().getError().getCode());
      assertTrue(silent.last().getError().getMessage().contains("no hello within 10 s"), silent.last().toString());
    }
  }

  @Test
  void idleSessionsAreClosedAndAnyFrameKeepsThemOpen() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("CONNECTION_TIMEOUT_SEC", "60", "HEARTBEAT_INTERVAL_SEC", "30"))) {
      SessionHarness.Device idle = harness.open("ida");
      SessionHarness.Device active = harness.open("abe");
      idle.send(hello());
      active.send(hello());
      for (int minute = 0; minute < 10; minute++) {
        harness.advance(Duration.ofSeconds(30));
        active.send(ping("beat-" + minute));
      }
      assertNull(active.transport.closed, "ten minutes of heartbeats every 30 s");
      assertEquals(CloseCode.IDLE, idle.transport.closed.code());
      assertEquals(ErrorCode.ERROR_CODE_IDLE_TIMEOUT, idle.matching(ServerEvent::hasError).get(0).getError().getCode());
    }
  }

  @Test
  void anExpiredTokenEndsTheStreamAndARefreshedOneKeepsIt() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      SessionHarness.Device expiring = harness.open("eve", "phone", Duration.ofMinutes(5));
      SessionHarness.Device refreshed = harness.open("rex", "phone", Duration.ofMinutes(5));
      expiring.send(hello());
      refreshed.send(hello());
      String longer = TestTokens.hs256(TestTokens.claims("rex", "phone").expirationTime(Date.from(harness.clock.instant().plus(Duration.ofHours(2)))));
      refreshed.send(ConnectRequest.newBuilder().setFrameId("refresh").setRefreshToken(RefreshTokenFrame.newBuilder().setAccessToken(longer)));
      assertFalse(refreshed.last().hasError(), refreshed.last().toString());
      String someoneElse = TestTokens.valid("mallory", "phone");
      refreshed.send(ConnectRequest.newBuilder().setFrameId("steal").setRefreshToken(RefreshTokenFrame.newBuilder().setAccessToken(someoneElse)));
      assertEquals(ErrorCode.ERROR_CODE_UNAUTHENTICATED, refreshed.last().getError().getCode(), "a token for another profile is refused");

      harness.advance(Duration.ofMinutes(4));
      expiring.send(ping("still"));
      refreshed.send(ping("still"));
      assertNull(expiring.transport.closed);
      harness.advance(Duration.ofMinutes(2));
      assertEquals(CloseCode.UNAUTHENTICATED, expiring.transport.closed.code());
      assertTrue(expiring.transport.closed.message().contains("expired"), expiring.transport.closed.message());
      assertNull(refreshed.transport.closed, "the refreshed token is valid for two hours");
    }
  }

  @Test
  void aBurstIsRateLimitedAKeptUpFloodIsClosedAndStrikesForgiveAfterASecond() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("MAX_EVENTS_PER_SECOND", "5"))) {
      SessionHarness.Device device = harness.open("flo");
      device.send(hello());
      for (int i = 0; i < 12; i++) {
        device.send(ping("p" + i));
      }
      assertEquals(10, device.matching(ServerEvent::hasPong).size(), "the bucket holds two seconds' worth");
      ServerEvent limited = device.last();
      assertEquals(ErrorCode.ERROR_CODE_RATE_LIMITED, limited.getError().getCode());
      assertFalse(limited.getError().getFatal());
      assertTrue(limited.getError().getMessage().contains("5 frames per second"));

      harness.advance(Duration.ofSeconds(2)); // refills the bucket and forgives the strikes
      for (int i = 0; i < 10; i++) {
        device.send(ping("q" + i));
      }
      assertEquals(20, device.matching(ServerEvent::hasPong).size());
      assertNull(device.transport.closed, "two refused frames, then a quiet second: not a flood");

      for (int i = 0; i < 10; i++) {
        device.send(ping("r" + i)); // all refused, at one instant
      }
      assertEquals(CloseCode.OVERLOADED, device.transport.closed.code());
      assertEquals(1, device.matching(e -> e.hasError() && e.getError().getFatal()).size());
    }
  }

  @Test
  void typingEndsByItselfAfterItsTtl() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("TYPING_TTL_SEC", "10"))) {
      String room = harness.room("tia", "tom");
      SessionHarness.Device typist = harness.open("tia");
      SessionHarness.Device watcher = harness.open("tom");
      for (SessionHarness.Device device : new SessionHarness.Device[] {typist, watcher}) {
        device.send(hello());
        device.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room)));
        // The membership check is a call to the core, answered on the channel's thread.
        ServerEvent subscribed = device.await(ServerEvent::hasSubscribed, "subscribed");
        assertTrue(subscribed.getSubscribed().getResults(0).getOk(), subscribed.toString());
      }
      typist.send(ConnectRequest.newBuilder().setTyping(TypingFrame.newBuilder().setRoomId(room).setState(TypingState.TYPING_STATE_STARTED)));
      watcher.await(e -> e.hasTyping() && e.getTyping().getState() == TypingState.TYPING_STATE_STARTED, "typing started");
      harness.advance(Duration.ofSeconds(9));
      assertTrue(watcher.matching(e -> e.hasTyping() && e.getTyping().getState() == TypingState.TYPING_STATE_STOPPED).isEmpty(), "not yet");
      harness.advance(Duration.ofSeconds(1));
      ServerEvent stopped = watcher.await(e -> e.hasTyping() && e.getTyping().getState() == TypingState.TYPING_STATE_STOPPED, "typing stopped after the TTL");
      assertEquals("tia", stopped.getTyping().getProfileId());
      assertTrue(typist.matching(ServerEvent::hasTyping).isEmpty(), "the typist's own devices are not told");
    }
  }

  @Test
  void aDeviceThatStopsReadingIsCutWhenItsQueueIsFull() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("OUTBOUND_QUEUE_MAX_MESSAGES", "5"))) {
      SessionHarness.Device slow = harness.open("sly");
      slow.send(hello());
      slow.transport.ready = false;
      for (int i = 0; i < 5; i++) {
        slow.send(ping("p" + i));
      }
      assertNull(slow.transport.closed, "five queued pongs fit");
      slow.send(ping("one-too-many"));
      assertEquals(CloseCode.OVERLOADED, slow.transport.closed.code());
      assertTrue(slow.transport.closed.message().contains("reads too slowly"), slow.transport.closed.message());
    }
  }

  @Test
  void aDeviceThatReadsIsNotCutWhileItsSessionWaitsForItsTurnOnTheIoThread() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("OUTBOUND_QUEUE_MAX_MESSAGES", "5"))) {
      SessionHarness.Device reader = harness.open("rita");
      reader.send(hello());
      // Its I/O thread is busy with other connections: nothing of the session runs until it is free.
      Queue<Runnable> ioThread = new ArrayDeque<>();
      reader.session.runOnIoThread(ioThread::add);
      for (int i = 0; i < 12; i++) {
        reader.session.enqueue(pong("e" + i));
      }
      assertNull(reader.transport.closed, "the device takes what it is sent: twelve queued in overdraft, not cut");
      while (!ioThread.isEmpty()) {
        ioThread.poll().run();
      }
      List<String> delivered = reader.matching(ServerEvent::hasPong).stream().map(ServerEvent::getFrameId).toList();
      assertEquals(IntStream.range(0, 12).mapToObj(i -> "e" + i).toList(), delivered, "every event, in order, once the thread was free");

      // The overdraft is bounded too: four times the queue's bound.
      for (int i = 0; i < 5 * OutboundQueue.OVERDRAFT; i++) {
        reader.session.enqueue(pong("f" + i));
      }
      assertNull(reader.transport.closed, "within the overdraft");
      reader.session.enqueue(pong("one-too-many"));
      while (!ioThread.isEmpty()) {
        ioThread.poll().run(); // the cut, like everything of the session, runs on its thread
      }
      assertEquals(CloseCode.OVERLOADED, reader.transport.closed.code());
    }
  }

  private static ServerEvent pong(String frameId) {
    return ServerEvent.newBuilder().setFrameId(frameId).setPong(PongEvent.getDefaultInstance()).build();
  }

  @Test
  void aDrainTellsEverySessionToReconnectThenClosesIt() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      SessionHarness.Device device = harness.open("dan");
      device.send(hello());
      harness.services.drain(Duration.ofMillis(50));
      ServerEvent reconnect = device.await(ServerEvent::hasReconnect, "reconnect");
      assertEquals(ReconnectReason.RECONNECT_REASON_DRAIN, reconnect.getReconnect().getReason());
      assertTrue(reconnect.getReconnect().getDelay().getNanos() / 1_000_000 < 50);
      io.chatgateway.gateway.testing.Await.until(Duration.ofSeconds(5), () -> device.transport.closed != null, "closed after its delay");
      assertEquals(CloseCode.GOING_AWAY, device.transport.closed.code());
      assertNotNull(device.transport.closed.message());
    }
  }
}
