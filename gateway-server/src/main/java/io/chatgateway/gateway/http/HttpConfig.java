package io.chatgateway.gateway.http;

import io.chatgateway.gateway.env.EnvReader;
import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.OptionalInt;

/**
 * @param port {@code HTTP_PORT} (default 8080; 0 picks a free port)
 * @param allowedOrigins {@code ALLOWED_ORIGINS}: browser origins that may open the WebSocket or call
 *     the Connect endpoints, such as {@code https://chat.example.com}; {@code *} allows any and must
 *     be set explicitly. Unset: only requests without an Origin header (non-browser clients) and
 *     same-origin pages (the demo page served here)
 * @param maxUnauthenticatedConnections {@code MAX_UNAUTHENTICATED_CONNECTIONS}: WebSockets that
 *     upgraded without a token and have not yet authenticated with a hello, at most, at once
 * @param maxConnectRequests {@code MAX_CONNECT_REQUESTS}: Connect-protocol requests in flight at
 *     once, from the request's headers to its answer (bodies are read into memory, up to 4 MiB each)
 * @param internalPort {@code INTERNAL_PORT}: when set, {@code /healthz}, {@code /readyz} and {@code
 *     /metrics} are served there, plaintext, and no longer on {@code HTTP_PORT} (0 picks a free port)
 */
public record HttpConfig(int port, List<String> allowedOrigins, int maxUnauthenticatedConnections, int maxConnectRequests, OptionalInt internalPort) {

  public HttpConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
    requireNonNull(internalPort, "internalPort");
  }

  public static HttpConfig fromEnvironment(EnvReader env) {
    List<String> origins = env.list("ALLOWED_ORIGINS");
    for (String origin : origins) {
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        throw EnvReader.invalid("ALLOWED_ORIGINS", "'*' or origins like https://chat.example.com (scheme://host[:port])", String.join(",", origins));
      }
    }
    int port = env.integer("HTTP_PORT", 8080, 0, 65535);
    OptionalInt internalPort = env.optional("INTERNAL_PORT").isEmpty() ? OptionalInt.empty() : OptionalInt.of(env.integer("INTERNAL_PORT", 0, 0, 65535));
    if (internalPort.isPresent() && internalPort.getAsInt() != 0 && internalPort.getAsInt() == port) {
      throw EnvReader.invalid("INTERNAL_PORT", "a port other than HTTP_PORT", String.valueOf(port));
    }
    return new HttpConfig(
        port,
        origins,
        env.integer("MAX_UNAUTHENTICATED_CONNECTIONS", 10_000, 0, 1_000_000),
        env.integer("MAX_CONNECT_REQUESTS", 1_000, 1, 100_000),
        internalPort);
  }
}
