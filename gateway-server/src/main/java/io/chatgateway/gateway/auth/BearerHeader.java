package io.chatgateway.gateway.auth;

/**
 * Reads {@code Authorization: Bearer <jwt>} (RFC 6750; the scheme is case-insensitive), the one place
 * the gateway parses it, for gRPC metadata and HTTP headers alike. Stateless.
 */
public final class BearerHeader {

  private static final String SCHEME = "bearer ";

  private BearerHeader() {}

  /**
   * The token in {@code header}.
   *
   * @throws TokenRejectedException when the header is missing, empty, or not a bearer credential
   */
  public static String token(String header) throws TokenRejectedException {
    if (header == null || header.isBlank()) {
      throw new TokenRejectedException("missing authorization header: expected 'Bearer <jwt>'");
    }
    String token = header.length() > SCHEME.length() && header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        ? header.substring(SCHEME.length()).trim()
        : "";
    if (token.isEmpty()) {
      throw new TokenRejectedException("authorization header must be 'Bearer <jwt>'");
    }
    return token;
  }
}
