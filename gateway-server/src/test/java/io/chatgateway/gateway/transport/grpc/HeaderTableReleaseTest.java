package io.chatgateway.gateway.transport.grpc;

import static io.chatgateway.gateway.transport.grpc.RawHttp2Peer.FLAG_END_STREAM;
import static io.chatgateway.gateway.transport.grpc.RawHttp2Peer.GOAWAY;
import static io.chatgateway.gateway.transport.grpc.RawHttp2Peer.HEADERS;
import static io.chatgateway.gateway.transport.grpc.RawHttp2Peer.PING;
import static io.chatgateway.gateway.transport.grpc.RawHttp2Peer.SETTINGS;
import static io.chatgateway.gateway.transport.grpc.RawHttp2Peer.SETTINGS_HEADER_TABLE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.transport.grpc.RawHttp2Peer.Frame;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection that carries a device stream is told to keep no HPACK table (so the gateway keeps none
 * of its headers, bearer token included, for the stream's life), and goes on working; one that carries
 * only unary calls keeps its table. Seen at frame level with a peer whose encoder indexes every
 * header, and with grpc-java's client.
 */
class HeaderTableReleaseTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private static final String CONNECT = "/chat.v1.ChatService/Connect";
  private static final String HEALTH_CHECK = "/grpc.health.v1.Health/Check";
  /** HTTP/2's error code for a header block that cannot be decoded (RFC 9113 section 7). */
  private static final int COMPRESSION_ERROR = 0x9;

  @Test
  void aDeviceStreamEmptiesItsConnectionsHeaderTableAndTheConnectionGoesOn() throws Exception {
    try (RawHttp2Peer peer = RawHttp2Peer.connect(gateway.server().grpcPort(), Duration.ofSeconds(10))) {
      List<Frame> seen = new ArrayList<>();
      peer.headers(1, request(CONNECT).add("authorization", "Bearer " + TestTokens.valid("alice", "phone")), false);
      Frame release = awaitFrame(peer, seen, f -> f.type() == SETTINGS && !f.isAck() && f.setting(SETTINGS_HEADER_TABLE_SIZE) >= 0);
      assertEquals(0, release.setting(SETTINGS_HEADER_TABLE_SIZE), "the table size the stream's connection is given");
      peer.acknowledge(release);

      // The peer's next header block starts with the table size update; the gateway takes it.
      peer.headers(3, request(HEALTH_CHECK), false);
      peer.message(3, HealthCheckRequest.getDefaultInstance().toByteArray(), true);
      Frame trailers = awaitFrame(peer, seen, f -> f.streamId() == 3 && f.is(HEADERS, FLAG_END_STREAM));
      assertEquals("0", String.valueOf(peer.decode(trailers).get("grpc-status")), "a unary call after the release");
      assertTrue(seen.stream().noneMatch(f -> f.type() == GOAWAY), "no GOAWAY: " + seen);
    }
  }

  @Test
  void aClientThatAcknowledgesTheReleaseButKeepsIndexingGetsACompressionErrorAndOthersGoOn() throws Exception {
    try (RawHttp2Peer peer = RawHttp2Peer.connect(gateway.server().grpcPort(), Duration.ofSeconds(10))) {
      List<Frame> seen = new ArrayList<>();
      peer.headers(1, request(CONNECT).add("authorization", "Bearer " + TestTokens.valid("carol", "phone")), false);
      awaitFrame(peer, seen, f -> f.type() == SETTINGS && !f.isAck() && f.setting(SETTINGS_HEADER_TABLE_SIZE) == 0);
      // Acknowledged, but this peer's encoder is not told: its next block lacks the size update
      // RFC 7541 requires and refers to entries the gateway no longer has.
      peer.write(SETTINGS, RawHttp2Peer.FLAG_ACK, 0, new byte[0]);
      peer.headers(3, request(HEALTH_CHECK), false);
      peer.message(3, HealthCheckRequest.getDefaultInstance().toByteArray(), true);
      Frame goAway = awaitFrame(peer, seen, f -> f.type() == GOAWAY);
      assertEquals(COMPRESSION_ERROR, ByteBuffer.wrap(goAway.payload(), 4, 4).getInt(), "GOAWAY's error code: " + seen);
    }
    // The connection ended with a protocol error; the gateway serves the next one.
    try (RawHttp2Peer peer = RawHttp2Peer.connect(gateway.server().grpcPort(), Duration.ofSeconds(10))) {
      List<Frame> seen = new ArrayList<>();
      peer.headers(1, request(HEALTH_CHECK), false);
      peer.message(1, HealthCheckRequest.getDefaultInstance().toByteArray(), true);
      Frame trailers = awaitFrame(peer, seen, f -> f.streamId() == 1 && f.is(HEADERS, FLAG_END_STREAM));
      assertEquals("0", String.valueOf(peer.decode(trailers).get("grpc-status")));
    }
  }

  @Test
  void aConnectionWithUnaryCallsOnlyKeepsItsTable() throws Exception {
    try (RawHttp2Peer peer = RawHttp2Peer.connect(gateway.server().grpcPort(), Duration.ofSeconds(10))) {
      List<Frame> seen = new ArrayList<>();
      for (int stream = 1; stream <= 5; stream += 2) {
        int id = stream;
        peer.headers(id, request(HEALTH_CHECK), false);
        peer.message(id, HealthCheckRequest.getDefaultInstance().toByteArray(), true);
        Frame trailers = awaitFrame(peer, seen, f -> f.streamId() == id && f.is(HEADERS, FLAG_END_STREAM));
        assertEquals("0", String.valueOf(peer.decode(trailers).get("grpc-status")), "unary call on stream " + id);
      }
      // A ping's answer comes after anything the gateway wrote before it.
      peer.write(PING, 0, 0, new byte[8]);
      awaitFrame(peer, seen, f -> f.type() == PING && f.isAck());
      assertFalse(
          seen.stream().anyMatch(f -> f.type() == SETTINGS && !f.isAck() && f.setting(SETTINGS_HEADER_TABLE_SIZE) >= 0),
          "no header table setting for a connection without a device stream: " + seen);
    }
  }

  @Test
  void grpcJavasClientGoesOnCallingAndStreamingOnTheReleasedConnection() {
    try (DeviceClient first = DeviceClient.connect(gateway.channel(), TestTokens.valid("bob", "phone"), "bob")) {
      first.hello();
      String room = gateway.createRoom("bob");
      assertEquals(room, gateway.as("bob").getRoom(GetRoomRequest.newBuilder().setRoomId(room).build()).getRoom().getId());
      try (DeviceClient second = DeviceClient.connect(gateway.channel(), TestTokens.valid("bob", "tablet"), "bob-tablet")) {
        assertNotNull(second.hello());
        assertNotNull(second.subscribe(room));
      }
      first.ping();
    }
  }

  private static Http2Headers request(String path) {
    return new DefaultHttp2Headers()
        .method("POST")
        .scheme("http")
        .path(path)
        .authority("localhost")
        .add("content-type", "application/grpc")
        .add("te", "trailers")
        .add("user-agent", "raw-http2-peer/1.0");
  }

  /**
   * Reads until a frame matches, answering what a live peer must meanwhile (the gateway's SETTINGS and
   * PINGs); every frame read lands in {@code seen}.
   */
  private static Frame awaitFrame(RawHttp2Peer peer, List<Frame> seen, Predicate<Frame> wanted) throws IOException, Http2Exception {
    while (true) {
      Frame frame;
      try {
        frame = peer.read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no such frame within the read timeout; frames read: " + seen, e);
      }
      seen.add(frame);
      if (wanted.test(frame)) {
        return frame;
      }
      if (frame.type() == SETTINGS && !frame.isAck()) {
        peer.acknowledge(frame);
      } else if (frame.type() == PING && !frame.isAck()) {
        peer.answer(frame);
      } else if (frame.type() == GOAWAY) {
        throw new AssertionError("GOAWAY while waiting: " + seen);
      }
    }
  }
}
