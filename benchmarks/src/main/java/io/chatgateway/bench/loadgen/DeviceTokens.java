package io.chatgateway.bench.loadgen;

import io.chatgateway.gateway.auth.DevCredentials;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The identities of simulated devices: device {@code i} is profile {@code d-i}, member of room {@code
 * r-(i / roomSize)}, with an HMAC token the gateway under test verifies ({@code JWT_HMAC_SECRET} and
 * {@code OAUTH2_ISSUER} set to {@link #SECRET} and {@link #ISSUER}).
 */
public final class DeviceTokens {

  public static final String SECRET = "chat-gateway-benchmark-secret-0123456789";
  public static final String ISSUER = "chat-gateway-bench";
  private static final String AUDIENCE = "service_chat_gateway";

  private DeviceTokens() {}

  public static String profile(int device) {
    return "d-" + device;
  }

  public static String room(int device, int roomSize) {
    return "r-" + (device / roomSize);
  }

  public static String token(String profile) {
    return DevCredentials.mint(SECRET.getBytes(StandardCharsets.UTF_8), ISSUER, AUDIENCE, profile, "bench", Duration.ofHours(6));
  }
}
