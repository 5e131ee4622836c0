package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.RSAKey;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.HeldJwks;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ServerEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * With a JWKS, the first token of a key waits for the JWKS endpoint. On the HTTP port that wait
 * happens on a worker thread, so the I/O threads go on serving every other connection meanwhile:
 * the test holds the JWKS answer and looks at which thread of the gateway (in this JVM) waits for it.
 * The JWKS client gives up after 500 ms, so the hold is short.
 */
class JwksOffTheIoThreadTest {

  @Test
  void aConnectProtocolCallWaitsForTheKeysOnAWorker() throws Exception {
    verifiedWhileTheKeysAreHeld((base, token) ->
            HttpClient.newHttpClient()
                .sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "/chat.v1.ChatService/CreateRoom"))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"after the keys\"}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> (Object) response),
        answer -> {
          HttpResponse<?> created = (HttpResponse<?>) answer;
          assertEquals(200, created.statusCode(), String.valueOf(created.body()));
        });
  }

  @Test
  void aWebSocketUpgradeWaitsForTheKeysOnAWorker() throws Exception {
    verifiedWhileTheKeysAreHeld(
        (base, token) ->
            CompletableFuture.supplyAsync(() -> WsClient.connect(URI.create(base.replace("http:", "ws:") + "/ws"), Map.of("Authorization", "Bearer " + token), true)),
        answer -> {
          WsClient socket = (WsClient) answer;
          socket.sendText("{\"frameId\":\"h\",\"hello\":{}}");
          socket.await(ServerEvent::hasReady, "ready after the keys came");
          socket.abort();
        });
  }

  /**
   * A browser's socket upgrades without a token and brings it in its hello; a frame it sends while
   * the keys are being fetched waits, unread, and is answered after the ready.
   */
  @Test
  void aWebSocketHelloTokenWaitsForTheKeysOnAWorker() throws Exception {
    verifiedWhileTheKeysAreHeld(
        (base, token) -> helloWithToken(base, token),
        pending -> ((WsClient) pending.join()).sendText("{\"frameId\":\"p\",\"ping\":{}}"),
        answer -> {
          WsClient socket = (WsClient) answer;
          socket.await(ServerEvent::hasReady, "ready after the keys came");
          ServerEvent pong = socket.await(ServerEvent::hasPong, "the frame behind the hello answered");
          assertEquals("p", pong.getFrameId());
          assertEquals(List.of("h", "p"), socket.events().stream().filter(event -> event.hasReady() || event.hasPong()).map(ServerEvent::getFrameId).toList(), "hello answered before the frame behind it");
          socket.abort();
        });
  }

  /**
   * A hello whose token's signature was altered (its last characters replaced) fails once the keys
   * came: the socket closes with 1008 and no session starts.
   */
  @Test
  void aWebSocketHelloTokenThatFailsOnceTheKeysCameIsRefusedWith1008() throws Exception {
    verifiedWhileTheKeysAreHeld(
        (base, token) -> helloWithToken(base, token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA")),
        answer -> {
          WsClient socket = (WsClient) answer;
          assertEquals(1008, socket.awaitClose(), "closed as unauthenticated: " + socket.closeReason());
          assertTrue(socket.matching(ServerEvent::hasReady).isEmpty(), "no session started");
        });
  }

  /** Opens a WebSocket without a token, as a browser does, and says hello with {@code token}; the socket, once sent. */
  private static CompletableFuture<Object> helloWithToken(String base, String token) {
    return CompletableFuture.supplyAsync(() -> {
      WsClient socket = WsClient.connect(URI.create(base.replace("http:", "ws:") + "/ws"), Map.of(), true);
      socket.sendText("{\"frameId\":\"h\",\"hello\":{\"accessToken\":\"" + token + "\"}}");
      return socket;
    });
  }

  /**
   * Starts a gateway whose JWKS endpoint holds its answer, makes {@code request} with a token of a
   * new key, asserts that the gateway thread waiting for the keys is not an I/O thread, then lets the
   * keys go and hands what the request completed with to {@code afterwards}, while the gateway runs.
   */
  private static void verifiedWhileTheKeysAreHeld(BiFunction<String, String, CompletableFuture<Object>> request, Consumer<Object> afterwards) throws Exception {
    verifiedWhileTheKeysAreHeld(request, pending -> {}, afterwards);
  }

  /** As above; {@code whileHeld} runs with the request's future once the gateway waits for the keys, before they go. */
  private static void verifiedWhileTheKeysAreHeld(
      BiFunction<String, String, CompletableFuture<Object>> request, Consumer<CompletableFuture<Object>> whileHeld, Consumer<Object> afterwards) throws Exception {
    RSAKey key = TestTokens.newRsaKey("slow-key");
    try (HeldJwks jwks = new HeldJwks(key);
        GatewayServer gateway = GatewayExtension.start(Map.of("JWT_HMAC_SECRET", "", "OAUTH2_JWKS_URI", jwks.uri()))) {
      CompletableFuture<Object> answer = request.apply("http://localhost:" + gateway.httpPort(), TestTokens.rs256(TestTokens.claims("alice", "web"), key));
      jwks.awaitFetch();
      String waiting = HeldJwks.waitingThread();
      whileHeld.accept(answer);
      jwks.release();
      assertTrue(waiting.startsWith("XNIO-") && !waiting.contains("I/O"), "verified on a worker, not an I/O thread: " + waiting);
      afterwards.accept(answer.get(20, TimeUnit.SECONDS));
    }
  }
}
