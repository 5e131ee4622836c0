package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.RSAKey;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.HeldJwks;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.RefreshTokenFrame;
import io.chatgateway.proto.v1.ServerEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code refresh_token} with keys from a JWKS: a token of a key the gateway has not fetched yet waits
 * for the JWKS endpoint on the pool, while the session's thread (a transport's I/O thread in the
 * gateway, serving other streams too) goes on; the session takes no other frame until the refresh is
 * answered. The endpoint holds its answer, so the test sees who waits for it.
 */
class RefreshTokenTest {

  private final RSAKey key = TestTokens.newRsaKey("rotated-in");
  private final ExecutorService pool = Executors.newFixedThreadPool(2, task -> new Thread(task, "test-pool"));
  private final ExecutorService io = Executors.newSingleThreadExecutor(task -> new Thread(task, "test-io"));

  @AfterEach
  void stop() {
    io.shutdownNow();
    pool.shutdownNow();
  }

  /** Sessions verifying tokens of {@code jwks}'s keys, with {@link #pool} as the call pool. */
  private SessionHarness harness(HeldJwks jwks) throws java.io.IOException {
    return new SessionHarness(Map.of("OAUTH2_JWKS_URI", jwks.uri()), UnaryOperator.identity(), null, pool);
  }

  /** rex's phone, its session moved to {@link #io} (a transport's I/O thread), after its hello. */
  private SessionHarness.Device helloOnItsOwnThread(SessionHarness harness) {
    SessionHarness.Device device = harness.open("rex", "phone", Duration.ofMinutes(5));
    device.session.runOnIoThread(io);
    device.send(SessionCoreTest.hello());
    device.answerTo("hello");
    return device;
  }

  @Test
  void aTokenWhoseKeysMustBeFetchedIsVerifiedOnThePoolAndNothingOvertakesIt() throws Exception {
    try (HeldJwks jwks = new HeldJwks(key);
        SessionHarness harness = harness(jwks)) {
      SessionHarness.Device device = helloOnItsOwnThread(harness);
      Await.until(Duration.ofSeconds(5), () -> device.transport.framesRequested.get() == 1, () -> "the frame after hello asked for");

      Instant later = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
      String rotated = TestTokens.rs256(TestTokens.claims("rex", "phone").expirationTime(Date.from(later)), key);
      device.send(ConnectRequest.newBuilder().setFrameId("refresh").setRefreshToken(RefreshTokenFrame.newBuilder().setAccessToken(rotated)));
      jwks.awaitFetch();
      String waiting = HeldJwks.waitingThread();
      // The session's thread is free while the keys are awaited: a task queued behind the frame runs.
      io.submit(() -> {}).get(5, TimeUnit.SECONDS);
      assertEquals(1, device.transport.framesRequested.get(), "no frame taken while the refresh is pending");
      jwks.release();
      assertEquals("test-pool", waiting, "the keys are awaited on the pool, not on the session's thread");

      Await.until(Duration.ofSeconds(5), () -> device.transport.framesRequested.get() == 2, () -> "the frame after the refresh asked for");
      assertEquals(later, device.session.token().expiresAt(), "the session runs on the new token's expiry");
      assertTrue(device.matching(event -> event.getFrameId().equals("refresh")).isEmpty(), "a refresh that succeeds is not answered");

      // The keys are known now, and the refusal of a token for someone else comes the same way.
      String someoneElse = TestTokens.rs256(TestTokens.claims("mallory", "phone"), key);
      device.send(ConnectRequest.newBuilder().setFrameId("steal").setRefreshToken(RefreshTokenFrame.newBuilder().setAccessToken(someoneElse)));
      ServerEvent refused = device.answerTo("steal");
      assertEquals(ErrorCode.ERROR_CODE_UNAUTHENTICATED, refused.getError().getCode(), refused.toString());
      assertEquals(later, device.session.token().expiresAt(), "a refused token changes nothing");
      assertFalse(device.session.isClosed());
    }
  }

  @Test
  void aPoolThatRefusesTheRefreshAnswersUnavailableAndTheSessionGoesOn() throws Exception {
    try (HeldJwks jwks = new HeldJwks(key);
        SessionHarness harness = harness(jwks)) {
      SessionHarness.Device device = helloOnItsOwnThread(harness);
      Instant expiry = device.session.token().expiresAt();
      pool.shutdown(); // the gateway is stopping: its pool takes no more work

      String rotated = TestTokens.rs256(TestTokens.claims("rex", "phone").expirationTime(Date.from(Instant.now().plus(Duration.ofHours(2)))), key);
      device.send(ConnectRequest.newBuilder().setFrameId("refresh").setRefreshToken(RefreshTokenFrame.newBuilder().setAccessToken(rotated)));
      ServerEvent refused = device.answerTo("refresh");
      assertEquals(ErrorCode.ERROR_CODE_UNAVAILABLE, refused.getError().getCode(), refused.toString());
      Await.until(Duration.ofSeconds(5), () -> device.transport.framesRequested.get() == 2, () -> "the frame after the refused refresh asked for");
      assertEquals(expiry, device.session.token().expiresAt(), "the session keeps its token");
      assertFalse(device.session.isClosed());
    }
  }
}
