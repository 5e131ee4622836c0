package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.JsonResponses.string;

import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.DevCredentials;
import io.undertow.server.HttpHandler;
import io.undertow.util.StatusCodes;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /dev/token?sub=alice[&device=web]}: a token for the demo page. Registered only in
 * development mode, where the secret is generated and nothing real is protected; it does not exist
 * otherwise.
 */
final class DevTokenHandler {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private DevTokenHandler() {}

  static HttpHandler create(byte[] devSecret, AuthConfig auth) {
    return exchange -> {
      String subject = first(exchange.getQueryParameters().get("sub"));
      String device = first(exchange.getQueryParameters().get("device"));
      if (subject == null || !NAME.matcher(subject).matches()) {
        JsonResponses.send(exchange, StatusCodes.BAD_REQUEST, Map.of("error", string("sub must be 1 to 64 characters of [A-Za-z0-9._-]")));
        return;
      }
      if (device == null || !NAME.matcher(device).matches()) {
        device = "web";
      }
      String token = DevCredentials.mint(devSecret, AuthConfig.DEV_ISSUER, auth.audience(), subject, device, Duration.ofHours(12));
      JsonResponses.send(exchange, StatusCodes.OK, Map.of("token", string(token), "profile_id", string(subject), "device_id", string(device)));
    };
  }

  private static String first(Deque<String> values) {
    return values == null || values.isEmpty() ? null : values.peekFirst();
  }
}
