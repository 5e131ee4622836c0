package io.chatgateway.gateway.testing;

import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local OAuth2 token endpoint for the client credentials grant, over a real socket: it checks the
 * client's Basic credentials and issues HS256 access tokens signed with {@link TestTokens#SECRET},
 * from {@link TestTokens#ISSUER}, naming the client in {@code client_id} and {@code sub}, for the
 * audience it was made with. Unknown clients or wrong secrets get 401 {@code invalid_client}.
 */
public final class TestTokenEndpoint implements AutoCloseable {

  private final HttpServer server;
  private final Map<String, String> clients = new ConcurrentHashMap<>();
  private final String audience;
  private final Duration lifetime;
  private final AtomicInteger issued = new AtomicInteger();

  private TestTokenEndpoint(String audience, Duration lifetime) throws IOException {
    this.audience = audience;
    this.lifetime = lifetime;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/oauth2/token", this::token);
    server.start();
  }

  /** Starts an endpoint issuing tokens for {@code audience} that live {@code lifetime}. */
  public static TestTokenEndpoint start(String audience, Duration lifetime) {
    try {
      return new TestTokenEndpoint(audience, lifetime);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Registers a client that may ask for tokens. */
  public TestTokenEndpoint client(String clientId, String secret) {
    clients.put(clientId, secret);
    return this;
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/oauth2/token");
  }

  /** Tokens issued so far. */
  public int issued() {
    return issued.get();
  }

  private void token(HttpExchange exchange) throws IOException {
    String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String clientId = null;
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header != null && header.startsWith("Basic ")) {
      String[] pair = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8).split(":", 2);
      String id = URLDecoder.decode(pair[0], StandardCharsets.UTF_8);
      if (pair.length == 2 && URLDecoder.decode(pair[1], StandardCharsets.UTF_8).equals(clients.get(id))) {
        clientId = id;
      }
    }
    if (clientId == null || !form.contains("grant_type=client_credentials")) {
      reply(exchange, 401, "{\"error\":\"invalid_client\"}");
      return;
    }
    Instant now = Instant.now();
    String token =
        TestTokens.hs256(
            new JWTClaimsSet.Builder()
                .issuer(TestTokens.ISSUER)
                .audience(audience)
                .subject(clientId)
                .claim("client_id", clientId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime))));
    issued.incrementAndGet();
    reply(exchange, 200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" + lifetime.toSeconds() + "}");
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
