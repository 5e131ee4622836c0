package io.chatgateway.gateway.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A JWKS endpoint on a free local port whose answers wait until {@link #release}: while they wait, a
 * test looks at which thread of its JVM is waiting for the keys ({@link #waitingThread}). The JWKS
 * client gives up after 500 ms, so a test holds it briefly. Close it after the test.
 */
public final class HeldJwks implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private final CountDownLatch fetching = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /** Serves {@code key}'s public half, once released. */
  public HeldJwks(RSAKey key) throws IOException {
    byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/jwks", exchange -> {
      fetching.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.setExecutor(handlers);
    server.start();
  }

  /** What {@code OAUTH2_JWKS_URI} names. */
  public String uri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
  }

  /** Waits until someone asks for the keys (fails after 10 s). */
  public void awaitFetch() throws InterruptedException {
    assertTrue(fetching.await(10, TimeUnit.SECONDS), "nobody asked the JWKS endpoint for the keys");
  }

  /** The name of the thread of this JVM that is waiting for the keys, or "(none)". */
  public static String waitingThread() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(entry -> Arrays.stream(entry.getValue()).anyMatch(frame -> frame.getClassName().startsWith("com.nimbusds.jose.util.DefaultResourceRetriever")))
        .map(entry -> entry.getKey().getName())
        .findFirst()
        .orElse("(none)");
  }

  /** Lets every held answer, and every later one, go. */
  public void release() {
    release.countDown();
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }
}
