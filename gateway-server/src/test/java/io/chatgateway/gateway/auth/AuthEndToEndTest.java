package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Token checks on real calls: HMAC gateway with two issuers, and a JWKS gateway on a local HTTP server. */
class AuthEndToEndTest {

  static final String OTHER_ISSUER = "https://second-issuer.test";
  static final RSAKey SIGNING_KEY = TestTokens.newRsaKey("key-1");
  static final AtomicInteger jwksFetches = new AtomicInteger();
  static final HttpServer jwksServer = startJwksServer();

  @RegisterExtension
  static final GatewayExtension hmac = GatewayExtension.withEnv(Map.of("OAUTH2_ISSUER", TestTokens.ISSUER + ", " + OTHER_ISSUER));

  @RegisterExtension
  static final GatewayExtension jwks =
      GatewayExtension.withEnv(
          Map.of(
              "JWT_HMAC_SECRET", "",
              "OAUTH2_JWKS_URI", "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json"));

  @AfterAll
  static void stopJwks() {
    jwksServer.stop(0);
  }

  @Test
  void aValidTokenFromEitherAcceptedIssuerIsServed() {
    assertEquals("alice", createRoom(hmac, GatewayExtension.bearer(TestTokens.valid("alice", "phone"))).getCreatedBy());
    String fromOther = TestTokens.hs256(TestTokens.claims("bob", null).issuer(OTHER_ISSUER));
    assertEquals("bob", createRoom(hmac, GatewayExtension.bearer(fromOther)).getCreatedBy());
  }

  @Test
  void everyKindOfBadTokenIsUnauthenticated() {
    Instant past = Instant.now().minus(Duration.ofHours(1));
    Map<String, CallCredentials> bad =
        Map.ofEntries(
            Map.entry("no bearer prefix", GatewayExtension.authorization(TestTokens.valid("alice", "phone"))),
            Map.entry("empty bearer", GatewayExtension.authorization("Bearer ")),
            Map.entry("not a jwt", GatewayExtension.bearer("not.a.jwt")),
            Map.entry("expired", GatewayExtension.bearer(TestTokens.hs256(TestTokens.claims("alice", null).expirationTime(Date.from(past))))),
            Map.entry("no exp", GatewayExtension.bearer(TestTokens.hs256(TestTokens.claims("alice", null).expirationTime(null)))),
            Map.entry("no sub", GatewayExtension.bearer(TestTokens.hs256(TestTokens.claims("alice", null).subject(null)))),
            Map.entry("wrong issuer", GatewayExtension.bearer(TestTokens.hs256(TestTokens.claims("alice", null).issuer("https://evil.test")))),
            Map.entry("wrong audience", GatewayExtension.bearer(TestTokens.hs256(TestTokens.claims("alice", null).audience("another-service")))),
            Map.entry("alg none", GatewayExtension.bearer(TestTokens.unsigned(TestTokens.claims("alice", null)))),
            Map.entry("wrongly signed", GatewayExtension.bearer(TestTokens.hs256(TestTokens.claims("alice", null), "a-different-secret-also-32-bytes-long!!"))),
            Map.entry("RS256 where HMAC is configured", GatewayExtension.bearer(TestTokens.rs256(TestTokens.claims("alice", null), SIGNING_KEY))),
            Map.entry(
                "tampered payload",
                GatewayExtension.bearer(tamper(TestTokens.valid("alice", "phone")))));
    bad.forEach((what, credentials) -> assertUnauthenticated(hmac, credentials, what));
    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class,
            () -> ChatServiceGrpc.newBlockingStub(hmac.channel()).createRoom(CreateRoomRequest.newBuilder().setName("x").build()));
    assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
    assertTrue(missing.getStatus().getDescription().contains("missing authorization"), missing.getStatus().toString());
  }

  @Test
  void expiryIsReportedAsSuch() {
    String expired =
        TestTokens.hs256(TestTokens.claims("alice", null).expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(5)))));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> createRoom(hmac, GatewayExtension.bearer(expired)));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().toLowerCase().contains("expired"), e.getStatus().getDescription());
  }

  @Test
  void aDeviceCannotSpoofTheIdentityTheCoreSees() {
    Metadata spoof = new Metadata();
    spoof.put(Metadata.Key.of("x-chat-profile-id", Metadata.ASCII_STRING_MARSHALLER), "mallory");
    spoof.put(Metadata.Key.of("x-chat-device-id", Metadata.ASCII_STRING_MARSHALLER), "stolen");
    ChatServiceGrpc.ChatServiceBlockingStub alice =
        hmac.as("alice", "phone").withInterceptors(MetadataUtils.newAttachHeadersInterceptor(spoof));
    Room room = alice.createRoom(CreateRoomRequest.newBuilder().setName("spoof test").build()).getRoom();
    assertEquals("alice", room.getCreatedBy());
    RoomEvent sent =
        alice
            .sendEvent(
                SendEventRequest.newBuilder()
                    .setRoomId(room.getId())
                    .setEvent(
                        RoomEvent.newBuilder()
                            .setType(EventType.EVENT_TYPE_MESSAGE)
                            .setSenderProfileId("mallory")
                            .setText(TextPayload.newBuilder().setText("hi")))
                    .build())
            .getEvent();
    assertEquals("alice", sent.getSenderProfileId());
    assertEquals("phone", sent.getSenderDeviceId());
  }

  @Test
  void aDeviceWithoutADeviceClaimIsTheDefaultDevice() {
    Room room = createRoom(hmac, GatewayExtension.bearer(TestTokens.valid("carol", null)));
    RoomEvent sent =
        ChatServiceGrpc.newBlockingStub(hmac.channel())
            .withCallCredentials(GatewayExtension.bearer(TestTokens.valid("carol", null)))
            .sendEvent(
                SendEventRequest.newBuilder()
                    .setRoomId(room.getId())
                    .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("x")))
                    .build())
            .getEvent();
    assertEquals("default", sent.getSenderDeviceId());
  }

  @Test
  void jwksKeysVerifyRs256AndRejectUnknownKeysAndAlgorithmConfusion() {
    JWTClaimsSet.Builder claims = TestTokens.claims("dave", "laptop").issuer(TestTokens.ISSUER);
    assertEquals("dave", createRoom(jwks, GatewayExtension.bearer(TestTokens.rs256(claims, SIGNING_KEY))).getCreatedBy());
    int fetchesAfterFirst = jwksFetches.get();
    for (int i = 0; i < 5; i++) {
      createRoom(jwks, GatewayExtension.bearer(TestTokens.rs256(TestTokens.claims("dave", "laptop"), SIGNING_KEY)));
    }
    assertEquals(fetchesAfterFirst, jwksFetches.get(), "keys are cached");

    RSAKey stranger = TestTokens.newRsaKey("key-unknown");
    assertUnauthenticated(jwks, GatewayExtension.bearer(TestTokens.rs256(TestTokens.claims("dave", null), stranger)), "unknown kid");
    RSAKey sameKidOtherKey = TestTokens.newRsaKey("key-1");
    assertUnauthenticated(jwks, GatewayExtension.bearer(TestTokens.rs256(TestTokens.claims("dave", null), sameKidOtherKey)), "forged with known kid");
    // The classic confusion: an HMAC token keyed with the public key's bytes.
    String confused =
        TestTokens.hs256(
            TestTokens.claims("dave", null),
            new String(SIGNING_KEY.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    assertUnauthenticated(jwks, GatewayExtension.bearer(confused), "HS256 against a JWKS gateway");
    assertUnauthenticated(jwks, GatewayExtension.bearer(TestTokens.unsigned(TestTokens.claims("dave", null))), "alg none");
  }

  private static Room createRoom(GatewayExtension gateway, CallCredentials credentials) {
    return ChatServiceGrpc.newBlockingStub(gateway.channel())
        .withCallCredentials(credentials)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .createRoom(CreateRoomRequest.newBuilder().setName("auth test").build())
        .getRoom();
  }

  private static void assertUnauthenticated(GatewayExtension gateway, CallCredentials credentials, String what) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> createRoom(gateway, credentials), what);
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), what + ": " + e.getStatus());
  }

  private static String tamper(String token) {
    String[] parts = token.split("\\.");
    String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\"alice\"", "\"admin\"");
    return parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
  }

  private static HttpServer startJwksServer() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      byte[] body = new JWKSet(SIGNING_KEY.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
      server.createContext(
          "/jwks.json",
          exchange -> {
            jwksFetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      return server;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
