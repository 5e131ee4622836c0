package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.EnvelopedCalls.envelope;
import static io.chatgateway.gateway.http.EnvelopedCalls.next;
import static io.chatgateway.gateway.http.EnvelopedCalls.readAll;
import static io.chatgateway.gateway.http.EnvelopedCalls.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.gateway.http.EnvelopedCalls.Frame;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A streaming call relayed to an HTTP client, against a core written for the test (a real gRPC
 * server on a free port) whose {@code SearchRooms} fails mid-stream, streams without end, or streams
 * as fast as it is let: the answers before a failure arrive and then the failure, on Connect and
 * gRPC-Web; a client that goes away cancels the core's call; a client that stops reading holds the
 * core back instead of the gateway buffering its answers, and then gets every answer in order.
 */
class StreamedAnswerEndToEndTest {

  /** Answers that may be on their way at once: the sockets' buffers, the core's flow-control window. */
  static final int IN_FLIGHT_BOUND = 25_000;
  static final StreamingCore core = new StreamingCore();

  @RegisterExtension
  static final GatewayExtension gateway =
      // A long upstream deadline, so that only the client going away can end the endless call in time.
      GatewayExtension.withEnv(() -> Map.of("CHAT_SERVICE_URI", "localhost:" + core.port(), "UPSTREAM_TIMEOUT_MS", "120000"));

  static final String token = TestTokens.valid("streamer", "browser");

  @AfterAll
  static void stopCore() {
    core.close();
  }

  @Test
  void answersBeforeAFailureArriveAndThenTheFailure() throws Exception {
    byte[] request = envelope(SearchRoomsRequest.newBuilder().setQuery("fail").build());
    List<Frame> connect = readAll(start(port(), "SearchRooms", "application/connect+proto", token, request).body());
    assertEquals(3, connect.size(), connect.toString());
    assertEquals("room-0", SearchRoomsResponse.parseFrom(connect.get(0).payload()).getRoom().getId());
    assertEquals("room-1", SearchRoomsResponse.parseFrom(connect.get(1).payload()).getRoom().getId());
    assertEquals(0x02, connect.get(2).flags());
    assertTrue(connect.get(2).text().contains("\"code\":\"resource_exhausted\"") && connect.get(2).text().contains("the core gave up"), connect.get(2).text());
    Struct.Builder end = Struct.newBuilder();
    JsonFormat.parser().merge(connect.get(2).text(), end);
    Struct metadata = end.getFieldsOrThrow("metadata").getStructValue();
    assertEquals("quota", metadata.getFieldsOrThrow("x-core-reason").getListValue().getValues(0).getStringValue(), "the core's trailers");
    assertEquals("AQL/", metadata.getFieldsOrThrow("x-core-detail-bin").getListValue().getValues(0).getStringValue(), "binary ones in base64");

    List<Frame> grpcWeb = readAll(start(port(), "SearchRooms", "application/grpc-web+proto", token, request).body());
    assertEquals(3, grpcWeb.size(), grpcWeb.toString());
    assertEquals("8", grpcWeb.get(2).trailers().get("grpc-status"));
    assertEquals("the core gave up", grpcWeb.get(2).trailers().get("grpc-message"));
    assertEquals("quota", grpcWeb.get(2).trailers().get("x-core-reason"));
    assertEquals("AQL/", grpcWeb.get(2).trailers().get("x-core-detail-bin"));
  }

  @Test
  void aClientThatGoesAwayCancelsTheCoresCall() throws Exception {
    HttpResponse<InputStream> response =
        start(port(), "SearchRooms", "application/grpc-web+proto", token, envelope(SearchRoomsRequest.newBuilder().setQuery("endless").build()));
    InputStream body = response.body();
    assertEquals(0, next(body).flags(), "a first answer");
    body.close();
    Await.until(Duration.ofSeconds(30), () -> core.cancelled.contains("endless"), "the core's call cancelled after the client went away");
    Await.until(Duration.ofSeconds(10), () -> gateway.metric("chat_gateway_connect_requests_in_flight") == 0, "the stream gave its MAX_CONNECT_REQUESTS slot back");
  }

  @Test
  void aClientThatStopsReadingHoldsTheCoreBack() throws Exception {
    HttpResponse<InputStream> response =
        start(port(), "SearchRooms", "application/connect+proto", token, envelope(SearchRoomsRequest.newBuilder().setQuery("flood").build()));
    // Nothing read: the socket, the gateway and the core's transport fill, and the core must wait
    // for good (a gateway that buffered would let it send everything).
    Await.until(Duration.ofSeconds(30), () -> core.floodStalledNanos() > Duration.ofSeconds(1).toNanos(), "the core held back by flow control");
    int sentWhenHeld = core.floodSent.get();
    assertTrue(sentWhenHeld < IN_FLIGHT_BOUND, "held back after " + sentWhenHeld + " of " + StreamingCore.FLOOD + " answers");

    // However fast the core is, it is never further ahead of the reader than what fits in flight:
    // the gateway asks for the next answer only when it wrote the last.
    InputStream body = response.body();
    for (int i = 0; i < StreamingCore.FLOOD; i++) {
      int ahead = core.floodSent.get() - i;
      assertTrue(ahead <= IN_FLIGHT_BOUND, "the core is " + ahead + " answers ahead of the reader at answer " + i);
      Frame frame = next(body);
      assertEquals(0, frame.flags(), "answer " + i);
      assertEquals("room-" + i, SearchRoomsResponse.parseFrom(frame.payload()).getRoom().getId());
    }
    assertEquals("{}", next(body).text());
    body.close();
  }

  private static int port() {
    return gateway.server().httpPort();
  }
}
