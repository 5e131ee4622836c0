package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.EnvelopedCalls.envelope;
import static io.chatgateway.gateway.http.EnvelopedCalls.readAll;
import static io.chatgateway.gateway.http.EnvelopedCalls.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.chatgateway.gateway.http.EnvelopedCalls.Frame;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP port's enveloped protocols over real sockets, against the embedded core: Connect
 * streaming ({@code SearchRooms} in JSON and binary), gRPC-Web in binary, JSON and text (a stream, a
 * unary answer, a unary failure), each failure as the protocol says it (an end-of-stream message or
 * trailers, HTTP 200), bad bodies and headers refused with a code, and the CORS answers browsers need.
 */
class HttpRpcProtocolsEndToEndTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("ALLOWED_ORIGINS", "https://app.example"));

  static final String OWNER = "webby";
  static final List<String> ROOMS = List.of("web-a", "web-b", "web-c");
  static String token;

  @BeforeAll
  static void rooms() {
    token = TestTokens.valid(OWNER, "browser");
    for (String room : ROOMS) {
      gateway.as(OWNER).createRoom(CreateRoomRequest.newBuilder().setRoomId(room).setName("room " + room).build());
    }
  }

  private static int port() {
    return gateway.server().httpPort();
  }

  @Test
  void searchRoomsStreamsOverTheConnectProtocolInJsonAndBinary() throws Exception {
    HttpResponse<InputStream> json = start(port(), "SearchRooms", "application/connect+json", token, envelope("{\"joinedOnly\":true}"));
    assertEquals(200, json.statusCode());
    assertEquals("application/connect+json", json.headers().firstValue("Content-Type").orElse(""));
    List<Frame> frames = readAll(json.body());
    assertEquals(ROOMS.size() + 1, frames.size(), "a message per room, then the end: " + frames);
    for (int i = 0; i < ROOMS.size(); i++) {
      assertEquals(0, frames.get(i).flags());
      SearchRoomsResponse.Builder room = SearchRoomsResponse.newBuilder();
      JsonFormat.parser().merge(frames.get(i).text(), room);
      assertEquals(ROOMS.get(i), room.getRoom().getId());
    }
    assertEquals(0x02, frames.get(ROOMS.size()).flags());
    assertEquals("{}", frames.get(ROOMS.size()).text());

    HttpResponse<InputStream> binary =
        start(port(), "SearchRooms", "application/connect+proto", token, envelope(SearchRoomsRequest.newBuilder().setJoinedOnly(true).setLimit(2).build()));
    frames = readAll(binary.body());
    assertEquals(3, frames.size(), "limit 2, then the end");
    assertEquals("web-a", SearchRoomsResponse.parseFrom(frames.get(0).payload()).getRoom().getId());
    assertEquals("web-b", SearchRoomsResponse.parseFrom(frames.get(1).payload()).getRoom().getId());
    assertEquals("{}", frames.get(2).text());
  }

  @Test
  void connectStreamingFailuresComeInTheEndOfStreamMessage() throws Exception {
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", null, envelope("{}")), "unauthenticated");
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, envelope("{\"limit\":\"many\"}")), "invalid_argument");
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, "{}".getBytes(StandardCharsets.UTF_8)), "invalid_argument");
    byte[] twoMessages = concat(envelope("{}"), envelope("{}"));
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, twoMessages), "invalid_argument");
    byte[] compressed = envelope("{}");
    compressed[0] = 0x01;
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, compressed), "invalid_argument");
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, envelope("{}"), "Connect-Content-Encoding", "gzip"), "unimplemented");
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, envelope("{}"), "Connect-Timeout-Ms", "soon"), "invalid_argument");
    assertEndStreamError(start(port(), "GetRoom", "application/connect+json", token, envelope("{\"roomId\":\"nowhere\"}")), "not_found");
    assertEndStreamError(start(port(), "Connect", "application/connect+json", token, envelope("{}")), "unimplemented");
    assertEndStreamError(start(port(), "Nothing", "application/connect+json", token, envelope("{}")), "unimplemented");
    assertEndStreamError(start(port(), "SearchRooms", "application/connect+json", token, envelope("{}"), "Connect-Timeout-Ms", "0"), "deadline_exceeded");

    // A unary Connect request cannot carry a streaming method.
    HttpResponse<InputStream> unary = start(port(), "SearchRooms", "application/json", token, "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals(415, unary.statusCode());
    assertTrue(new String(unary.body().readAllBytes(), StandardCharsets.UTF_8).contains("application/connect+json"));
  }

  @Test
  void grpcWebServesStreamsAndUnaryCallsInBinaryJsonAndText() throws Exception {
    byte[] search = envelope(SearchRoomsRequest.newBuilder().setJoinedOnly(true).build());
    for (String type : List.of("application/grpc-web", "application/grpc-web+proto")) {
      HttpResponse<InputStream> response = start(port(), "SearchRooms", type, token, search, "X-Grpc-Web", "1");
      assertEquals(200, response.statusCode());
      assertEquals("application/grpc-web+proto", response.headers().firstValue("Content-Type").orElse(""));
      assertSearchAnswers(readAll(response.body()));
    }
    HttpResponse<InputStream> text =
        start(port(), "SearchRooms", "application/grpc-web-text", token, Base64.getEncoder().encode(search), "Accept", "application/grpc-web-text");
    assertEquals("application/grpc-web-text+proto", text.headers().firstValue("Content-Type").orElse(""));
    assertSearchAnswers(readAll(EnvelopedCalls.decodeText(text.body())));
    // A text body in two padded pieces, as clients that encode per write send it.
    byte[] pieces = concat(Base64.getEncoder().encode(Arrays.copyOfRange(search, 0, 4)), Base64.getEncoder().encode(Arrays.copyOfRange(search, 4, search.length)));
    assertSearchAnswers(readAll(EnvelopedCalls.decodeText(start(port(), "SearchRooms", "application/grpc-web-text", token, pieces).body())));

    List<Frame> json = readAll(start(port(), "GetRoom", "application/grpc-web+json", token, envelope("{\"roomId\":\"web-b\"}")).body());
    assertEquals(2, json.size(), json.toString());
    assertTrue(json.get(0).text().contains("\"id\":\"web-b\""), json.get(0).text());
    assertEquals("0", json.get(1).trailers().get("grpc-status"));

    List<Frame> unary = readAll(start(port(), "GetRoom", "application/grpc-web+proto", token, envelope(GetRoomRequest.newBuilder().setRoomId("web-c").build())).body());
    assertEquals("web-c", GetRoomResponse.parseFrom(unary.get(0).payload()).getRoom().getId());
    assertEquals(0x80, unary.get(1).flags());

    List<Frame> missing = readAll(start(port(), "GetRoom", "application/grpc-web+proto", token, envelope(GetRoomRequest.newBuilder().setRoomId("nowhere").build())).body());
    assertEquals(1, missing.size(), "trailers only");
    assertEquals("5", missing.get(0).trailers().get("grpc-status"), missing.get(0).text());
    assertTrue(missing.get(0).trailers().get("grpc-message").contains("nowhere"), missing.get(0).text());
  }

  @Test
  void grpcWebFailuresComeInTrailersWithGrpcCodes() throws Exception {
    byte[] search = envelope(SearchRoomsRequest.getDefaultInstance());
    assertTrailerStatus(start(port(), "SearchRooms", "application/grpc-web+proto", "not-a-jwt", search), 16);
    assertTrailerStatus(start(port(), "SearchRooms", "application/grpc-web+proto", token, search, "grpc-timeout", "5 seconds"), 3);
    assertTrailerStatus(start(port(), "SearchRooms", "application/grpc-web+proto", token, search, "grpc-encoding", "gzip"), 12);
    assertTrailerStatus(start(port(), "SearchRooms", "application/grpc-web-text", token, "not base64!".getBytes(StandardCharsets.US_ASCII)), 3);
    assertTrailerStatus(start(port(), "SearchRooms", "application/grpc-web+proto", token, envelope(new byte[] {(byte) 0xff, 0x01})), 3);
    // A message with characters outside ASCII arrives percent-encoded, as gRPC says.
    HttpResponse<InputStream> unicode = start(port(), "GetRoom", "application/grpc-web+proto", token, envelope(GetRoomRequest.newBuilder().setRoomId("zé").build()));
    String message = readAll(unicode.body()).get(0).trailers().get("grpc-message");
    assertTrue(message.matches("[\\x20-\\x7e]*") && message.contains("%C3%A9"), message);
  }

  @Test
  void browsersGetTheCorsAnswersTheseClientsNeed() throws Exception {
    HttpResponse<String> preflight =
        EnvelopedCalls.HTTP.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port() + "/chat.v1.ChatService/SearchRooms"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(204, preflight.statusCode());
    assertEquals("https://app.example", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    String allowed = preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase();
    for (String header : List.of("content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "authorization", "connect-protocol-version", "connect-timeout-ms")) {
      assertTrue(allowed.contains(header), "allows " + header + ": " + allowed);
    }
    HttpResponse<InputStream> call =
        start(port(), "SearchRooms", "application/grpc-web+proto", token, envelope(SearchRoomsRequest.getDefaultInstance()), "Origin", "https://app.example");
    String exposed = call.headers().firstValue("Access-Control-Expose-Headers").orElse("").toLowerCase();
    assertTrue(exposed.contains("grpc-status") && exposed.contains("grpc-message"), exposed);
    readAll(call.body());

    HttpResponse<InputStream> foreign = start(port(), "SearchRooms", "application/grpc-web+proto", token, envelope(SearchRoomsRequest.getDefaultInstance()), "Origin", "https://evil.example");
    assertEquals(403, foreign.statusCode());
    foreign.body().close();
  }

  private static void assertSearchAnswers(List<Frame> frames) throws Exception {
    assertEquals(ROOMS.size() + 1, frames.size(), frames.toString());
    for (int i = 0; i < ROOMS.size(); i++) {
      assertEquals(ROOMS.get(i), SearchRoomsResponse.parseFrom(frames.get(i).payload()).getRoom().getId());
    }
    Frame trailers = frames.get(ROOMS.size());
    assertEquals(0x80, trailers.flags());
    assertEquals("0", trailers.trailers().get("grpc-status"), trailers.text());
  }

  private static void assertEndStreamError(HttpResponse<InputStream> response, String code) throws Exception {
    assertEquals(200, response.statusCode(), "a streaming protocol says errors in its body");
    List<Frame> frames = readAll(response.body());
    assertEquals(1, frames.size(), "only the end of the stream: " + frames);
    assertEquals(0x02, frames.get(0).flags());
    assertTrue(frames.get(0).text().contains("\"code\":\"" + code + "\""), frames.get(0).text());
    assertTrue(frames.get(0).text().contains("\"message\":\""), frames.get(0).text());
  }

  private static void assertTrailerStatus(HttpResponse<InputStream> response, int grpcStatus) throws Exception {
    assertEquals(200, response.statusCode());
    boolean text = response.headers().firstValue("Content-Type").orElse("").contains("text");
    List<Frame> frames = readAll(text ? EnvelopedCalls.decodeText(response.body()) : response.body());
    assertEquals(1, frames.size(), frames.toString());
    assertEquals(0x80, frames.get(0).flags());
    assertEquals(String.valueOf(grpcStatus), frames.get(0).trailers().get("grpc-status"), frames.get(0).text());
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }
}
