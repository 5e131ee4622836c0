package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.CreateRoomResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Liveness, readiness, the Connect protocol and the development token endpoint, over real HTTP. */
class HttpEndToEndTest {

  static final int CORE_PORT = freePort();
  static volatile CoreServer core;

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("HTTP_PORT", "0"));

  @RegisterExtension
  static final GatewayExtension remote =
      GatewayExtension.withEnv(
          Map.of("HTTP_PORT", "0", "CHAT_SERVICE_URI", "localhost:" + CORE_PORT, "UPSTREAM_BREAKER_FAILURES", "1", "UPSTREAM_BREAKER_OPEN_MS", "200"));

  static final HttpClient http = HttpClient.newHttpClient();

  @AfterAll
  static void stopCore() {
    if (core != null) {
      core.close();
    }
  }

  @Test
  void healthzIsAliveAndReadyzReportsEachPart() throws Exception {
    HttpResponse<String> live = get(gateway, "/healthz");
    assertEquals(200, live.statusCode());
    HttpResponse<String> ready = get(gateway, "/readyz");
    assertEquals(200, ready.statusCode(), ready.body());
    Struct body = json(ready.body());
    assertTrue(body.getFieldsOrThrow("ready").getBoolValue());
    assertTrue(body.getFieldsOrThrow("checks").getStructValue().getFieldsOrThrow("upstream").getStructValue().getFieldsOrThrow("ok").getBoolValue());
  }

  @Test
  void readyzIsNotReadyWhileTheCoreIsUnreachableAndRecoversWhenItIsBack() throws Exception {
    // No core listens on CORE_PORT yet: a call fails, the breaker opens, readiness drops.
    HttpResponse<String> failed = post(remote, "CreateRoom", "{\"name\":\"x\"}", TestTokens.valid("alice", "web"));
    assertEquals(503, failed.statusCode(), failed.body());
    assertEquals("unavailable", json(failed.body()).getFieldsOrThrow("code").getStringValue());
    HttpResponse<String> notReady = get(remote, "/readyz");
    assertEquals(503, notReady.statusCode(), notReady.body());
    Struct upstream = json(notReady.body()).getFieldsOrThrow("checks").getStructValue().getFieldsOrThrow("upstream").getStructValue();
    assertEquals(false, upstream.getFieldsOrThrow("ok").getBoolValue());
    assertTrue(upstream.getFieldsOrThrow("detail").getStringValue().contains("OPEN"), notReady.body());
    assertEquals(200, get(remote, "/healthz").statusCode(), "alive all the same");

    core = CoreServer.start(CORE_PORT, envelope -> {}, "late-core");
    Await.until(Duration.ofSeconds(15), () -> status(remote, "/readyz") == 200, "ready once the core answers");
  }

  @Test
  void unaryCallsWorkOverTheConnectProtocolInJsonAndProto() throws Exception {
    String token = TestTokens.valid("connie", "web");
    HttpResponse<String> created = post(gateway, "CreateRoom", "{\"roomId\":\"connect-1\",\"name\":\"Connect room\"}", token);
    assertEquals(200, created.statusCode(), created.body());
    assertEquals("connie", json(created.body()).getFieldsOrThrow("room").getStructValue().getFieldsOrThrow("createdBy").getStringValue());

    HttpRequest proto =
        HttpRequest.newBuilder(uri(gateway, "/chat.v1.ChatService/CreateRoom"))
            .header("Content-Type", "application/proto")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofByteArray(CreateRoomRequest.newBuilder().setRoomId("connect-2").setName("proto").build().toByteArray()))
            .build();
    HttpResponse<byte[]> protoResponse = http.send(proto, HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, protoResponse.statusCode());
    assertEquals("connect-2", CreateRoomResponse.parseFrom(protoResponse.body()).getRoom().getId());

    assertConnectError(post(gateway, "GetRoom", "{\"roomId\":\"missing\"}", token), 404, "not_found");
    assertConnectError(post(gateway, "CreateRoom", "{\"roomId\":\"connect-1\",\"name\":\"again\"}", token), 409, "already_exists");
    assertConnectError(post(gateway, "CreateRoom", "{\"name\": 42, \"nope\": true}", token), 400, "invalid_argument");
    assertConnectError(post(gateway, "CreateRoom", "{\"name\":\"x\"}", null), 401, "unauthenticated");
    assertConnectError(post(gateway, "CreateRoom", "{\"name\":\"x\"}", "garbage"), 401, "unauthenticated");
    assertConnectError(post(gateway, "NoSuchMethod", "{}", token), 404, "unimplemented");
    assertConnectError(post(gateway, "SearchRooms", "{}", token), 415, "invalid_argument");
    HttpResponse<String> wrongType =
        http.send(
            HttpRequest.newBuilder(uri(gateway, "/chat.v1.ChatService/GetRoom")).header("Content-Type", "text/plain").header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(415, wrongType.statusCode());
  }

  @Test
  void theDevTokenEndpointExistsOnlyInDevelopmentMode() throws Exception {
    assertEquals(404, status(gateway, "/dev/token?sub=alice"), "the test gateways use an HMAC secret: no dev endpoint");
    assertEquals(200, status(gateway, "/"), "the demo page is served");
    assertTrue(get(gateway, "/app.js").body().contains("from './client/chat-client.js'"), "the page is built on the browser client");
    HttpResponse<String> client = get(gateway, "/client/chat-client.js");
    assertTrue(client.body().contains("export class ChatClient"), "the browser client is served at its stable path");
    assertTrue(client.headers().firstValue("Content-Type").orElse("").contains("javascript"), "with a type browsers accept for a module");
  }

  private static void assertConnectError(HttpResponse<String> response, int status, String code) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(code, json(response.body()).getFieldsOrThrow("code").getStringValue(), response.body());
  }

  private static URI uri(GatewayExtension gw, String path) {
    return URI.create("http://localhost:" + gw.server().httpPort() + path);
  }

  private static HttpResponse<String> get(GatewayExtension gw, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(gw, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int status(GatewayExtension gw, String path) {
    try {
      return get(gw, path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static HttpResponse<String> post(GatewayExtension gw, String method, String body, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(gw, "/chat.v1.ChatService/" + method)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Struct json(String body) throws Exception {
    Struct.Builder struct = Struct.newBuilder();
    JsonFormat.parser().merge(body, struct);
    return struct.build();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
