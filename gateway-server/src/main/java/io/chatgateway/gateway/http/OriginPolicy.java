package io.chatgateway.gateway.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether a browser origin may use the gateway (WebSocket upgrades, Connect calls). A request
 * without an {@code Origin} header is not from a browser page and is allowed; so is a same-origin page.
 * Any other origin must be listed in ALLOWED_ORIGINS, or the list must be {@code *}. Immutable.
 */
public final class OriginPolicy {

  private final boolean anyOrigin;
  private final Set<String> allowed;

  public OriginPolicy(List<String> allowedOrigins) {
    this.anyOrigin = allowedOrigins.contains("*");
    this.allowed = allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  public boolean allows(HttpServerExchange exchange) {
    String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
    if (origin == null || anyOrigin) {
      return true;
    }
    String normalized = origin.toLowerCase(Locale.ROOT);
    if (allowed.contains(normalized)) {
      return true;
    }
    String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
    return host != null
        && (normalized.equals("http://" + host.toLowerCase(Locale.ROOT)) || normalized.equals("https://" + host.toLowerCase(Locale.ROOT)));
  }
}
