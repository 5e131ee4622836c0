package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client credentials grant against a real local HTTP endpoint, on a clock the test drives. */
class ServiceTokenTest {

  private HttpServer endpoint;
  private final AtomicInteger issued = new AtomicInteger();
  private final List<String> forms = new ArrayList<>();
  /** What the endpoint answers: status and body; {@code %d} becomes the token's number. */
  private final AtomicReference<String[]> answer = new AtomicReference<>(new String[] {"200", "{\"access_token\":\"t%d\",\"token_type\":\"Bearer\",\"expires_in\":100}"});
  private final AtomicReference<CountDownLatch> hold = new AtomicReference<>(new CountDownLatch(0));
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  @BeforeEach
  void startEndpoint() throws IOException {
    endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.createContext("/token", this::token);
    endpoint.setExecutor(Executors.newCachedThreadPool());
    endpoint.start();
  }

  @AfterEach
  void stopEndpoint() {
    endpoint.stop(0);
  }

  private void token(HttpExchange exchange) throws IOException {
    try {
      hold.get().await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    synchronized (forms) {
      forms.add(form);
    }
    String expected = "Basic " + Base64.getEncoder().encodeToString("gw%201:s%C3%A9cret%3A".replace("%201", "+1").getBytes(StandardCharsets.UTF_8));
    String[] reply = answer.get();
    int status = Integer.parseInt(reply[0]);
    String body = reply[1].formatted(issued.incrementAndGet());
    if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      status = 401;
      body = "{\"error\":\"invalid_client\"}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private ServiceToken serviceToken(Optional<String> scope) {
    URI uri = URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/token");
    // A client id and secret with characters RFC 6749 §2.3.1 form-encodes before Basic.
    return new ServiceToken(new ClientCredentials(uri, "gw 1", "sécret:", scope), HttpClient.newHttpClient(), clock::get);
  }

  private void advance(Duration by) {
    clock.addAndGet(by.toNanos());
  }

  @Test
  void fetchesOnceAndKeepsTheTokenForMostOfItsLife() {
    ServiceToken token = serviceToken(Optional.of("chat.core chat.admin"));
    assertEquals("t1", token.get().join());
    assertEquals("t1", token.get().join());
    advance(Duration.ofSeconds(79));
    assertEquals("t1", token.get().join());
    assertEquals(1, token.fetches());
    synchronized (forms) {
      assertEquals(List.of("grant_type=client_credentials&scope=chat.core+chat.admin"), forms);
    }
  }

  @Test
  void renewsInTheBackgroundAfterFourFifthsOfItsLife() throws Exception {
    ServiceToken token = serviceToken(Optional.empty());
    assertEquals("t1", token.get().join());
    CountDownLatch release = new CountDownLatch(1);
    hold.set(release);
    advance(Duration.ofSeconds(81));
    assertEquals("t1", token.get().join(), "the caller keeps the current token while the renewal runs");
    assertEquals("t1", token.get().join(), "one renewal at a time");
    assertEquals(2, token.fetches());
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!token.get().join().equals("t2")) {
      assertTrue(System.nanoTime() < deadline, "renewed token in use");
      Thread.onSpinWait();
    }
    assertEquals(2, token.fetches());
  }

  @Test
  void anExpiredTokenIsNeverSent() {
    ServiceToken token = serviceToken(Optional.empty());
    assertEquals("t1", token.get().join());
    // expires_in 100 s: not used in its last 10 s, so at 91 s the next call waits for a new one.
    advance(Duration.ofSeconds(91));
    assertEquals("t2", token.get().join());
  }

  @Test
  void manyFirstCallersShareOneFetch() throws Exception {
    ServiceToken token = serviceToken(Optional.empty());
    CountDownLatch release = new CountDownLatch(1);
    hold.set(release);
    ExecutorService callers = Executors.newFixedThreadPool(8);
    List<CompletableFuture<String>> answers = new ArrayList<>();
    CountDownLatch asked = new CountDownLatch(64);
    List<java.util.concurrent.Future<?>> started = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      started.add(callers.submit(() -> {
        CompletableFuture<String> answer = token.get();
        synchronized (answers) {
          answers.add(answer);
        }
        asked.countDown();
      }));
    }
    assertTrue(asked.await(10, TimeUnit.SECONDS));
    release.countDown();
    synchronized (answers) {
      for (CompletableFuture<String> answer : answers) {
        assertEquals("t1", answer.get(10, TimeUnit.SECONDS));
      }
    }
    callers.shutdown();
    assertEquals(1, token.fetches(), "single flight");
  }

  @Test
  void aRefusalSaysWhyAndIsNotRetriedForASecond() {
    answer.set(new String[] {"401", "{\"error\":\"invalid_client\",\"error_description\":\"unknown client\"}"});
    ServiceToken token = serviceToken(Optional.empty());
    CompletionException refused = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> token.get().join());
    assertTrue(refused.getCause() instanceof ServiceToken.TokenEndpointException, refused.toString());
    assertTrue(refused.getCause().getMessage().endsWith("answered HTTP 401: invalid_client (unknown client)"), refused.getCause().getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> token.get().join());
    assertEquals(1, token.fetches(), "a failed fetch is answered for a second without asking again");

    answer.set(new String[] {"200", "{\"access_token\":\"t%d\",\"token_type\":\"bearer\",\"expires_in\":100}"});
    advance(ServiceToken.RETRY_AFTER);
    assertEquals("t2", token.get().join());
  }

  @Test
  void answersWithoutABearerTokenAreRefused() {
    answer.set(new String[] {"200", "{\"token_type\":\"Bearer\"}"});
    ServiceToken missing = serviceToken(Optional.empty());
    CompletionException none = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> missing.get().join());
    assertTrue(none.getCause().getMessage().endsWith("answered without an access_token"), none.getCause().getMessage());

    answer.set(new String[] {"200", "{\"access_token\":\"t%d\",\"token_type\":\"mac\"}"});
    ServiceToken mac = serviceToken(Optional.empty());
    CompletionException wrongType = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> mac.get().join());
    assertTrue(wrongType.getCause().getMessage().contains("'mac' token"), wrongType.getCause().getMessage());

    ServiceToken unreachable = new ServiceToken(new ClientCredentials(URI.create("http://127.0.0.1:1/token"), "gw", "s", Optional.empty()), HttpClient.newHttpClient(), clock::get);
    CompletionException down = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> unreachable.get().join());
    assertTrue(down.getCause().getMessage().contains("unreachable"), down.getCause().getMessage());
  }

  @Test
  void theSecretIsNeverInTheCredentialsText() {
    assertTrue(!serviceToken(Optional.empty()).credentials().toString().contains("sécret"));
  }
}
