package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.env.EnvReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {

  private static final Instant START = Instant.parse("2026-11-22T00:00:00Z");

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    private volatile Instant now = START;

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }
  }

  private static VerifiedToken token(String profile, Instant expiresAt) {
    return new VerifiedToken(new CallerIdentity(profile, "phone"), expiresAt);
  }

  @Test
  void answersUntilTheTokenExpires() {
    ManualClock clock = new ManualClock();
    VerifiedTokenCache cache = new VerifiedTokenCache(10, clock);
    VerifiedToken alice = token("alice", START.plusSeconds(60));
    cache.put("jwt-a", alice);

    assertSame(alice, cache.get("jwt-a"));
    clock.advance(Duration.ofSeconds(59));
    assertSame(alice, cache.get("jwt-a"));
    clock.advance(Duration.ofSeconds(1));
    assertNull(cache.get("jwt-a"), "an expired token must be verified again, and then rejected");
    assertEquals(0, cache.size(), "the expired entry is dropped");
  }

  @Test
  void trustsALongLivedTokenOnlyForMaxAge() {
    ManualClock clock = new ManualClock();
    VerifiedTokenCache cache = new VerifiedTokenCache(10, clock);
    cache.put("jwt-a", token("alice", START.plus(Duration.ofDays(1))));

    clock.advance(VerifiedTokenCache.MAX_AGE.minusSeconds(1));
    assertTrue(cache.get("jwt-a") != null);
    clock.advance(Duration.ofSeconds(1));
    assertNull(cache.get("jwt-a"), "after MAX_AGE the signature is checked again (a JWKS key may have been withdrawn)");
  }

  @Test
  void neverHoldsMoreThanItsCapacity() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100, new ManualClock());
    for (int i = 0; i < 1_000; i++) {
      cache.put("jwt-" + i, token("user-" + i, START.plusSeconds(600)));
      assertTrue(cache.size() <= 100, "size " + cache.size());
    }
    assertTrue(cache.get("jwt-999") != null, "the newest entry survives a clearing");
  }

  @Test
  void manyThreadsSharingTokensGetTheirOwnIdentities() throws Exception {
    VerifiedTokenCache cache = new VerifiedTokenCache(64, new ManualClock());
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> mismatches = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        mismatches.add(pool.submit(() -> {
          start.await();
          int wrong = 0;
          for (int i = 0; i < 20_000; i++) {
            String jwt = "jwt-" + (i % 200);
            VerifiedToken found = cache.get(jwt);
            if (found == null) {
              cache.put(jwt, token("user-" + (i % 200), START.plusSeconds(600)));
            } else if (!found.identity().profileId().equals("user-" + (i % 200))) {
              wrong++;
            }
          }
          return wrong;
        }));
      }
      start.countDown();
      for (Future<Integer> result : mismatches) {
        assertEquals(0, result.get(1, TimeUnit.MINUTES), "a token answered with another token's identity");
      }
      assertTrue(cache.size() <= 64);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void verifyRepeatedAnswersTheSameAsVerifyAndNeverCachesARejection() throws Exception {
    byte[] secret = "a-test-secret-that-is-long-enough-for-hs256".getBytes(StandardCharsets.UTF_8);
    AuthConfig config = AuthConfig.fromEnvironment(
        new EnvReader(Map.of("JWT_HMAC_SECRET", new String(secret, StandardCharsets.UTF_8), "OAUTH2_ISSUER", "test-issuer")));
    JwtVerifier verifier = JwtVerifier.create(config, null);
    String good = DevCredentials.mint(secret, "test-issuer", "service_chat_gateway", "alice", "phone", Duration.ofMinutes(5));

    VerifiedToken first = verifier.verifyRepeated(good);
    assertEquals(verifier.verify(good).identity(), first.identity());
    assertSame(first, verifier.verifyRepeated(good), "the second call is answered from the cache");

    String tampered = good.substring(0, good.length() - 2) + (good.endsWith("AA") ? "BB" : "AA");
    for (int i = 0; i < 3; i++) {
      assertThrows(TokenRejectedException.class, () -> verifier.verifyRepeated(tampered));
    }
  }
}
