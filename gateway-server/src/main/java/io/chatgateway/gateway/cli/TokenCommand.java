package io.chatgateway.gateway.cli;

import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.DevCredentials;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code token --sub alice [--device phone] [--ttl-sec 3600]}: prints a token the gateway configured
 * by the same environment accepts. Works in development mode (the generated secret) and with {@code
 * JWT_HMAC_SECRET}; with a JWKS the identity provider issues tokens, not us.
 */
public final class TokenCommand {

  private TokenCommand() {}

  /** Mints the token described by {@code args} for the auth settings in {@code environment}. */
  public static String mint(List<String> args, Map<String, String> environment) {
    CommandLine options = new CommandLine(args, Set.of("sub", "device", "ttl-sec"));
    AuthConfig auth = AuthConfig.fromEnvironment(new EnvReader(environment));
    if (auth.jwksUri().isPresent()) {
      throw new ConfigException("OAUTH2_JWKS_URI is set: tokens come from your identity provider, not from this command");
    }
    String subject = options.get("sub", "");
    if (subject.isBlank()) {
      throw new IllegalArgumentException("--sub <profile id> is required");
    }
    int ttlSeconds = options.integer("ttl-sec", 3600);
    if (ttlSeconds < 1 || ttlSeconds > 30 * 24 * 3600) {
      throw new IllegalArgumentException("--ttl-sec must be 1 to 2592000");
    }
    byte[] secret =
        auth.hmacSecret()
            .map(s -> s.getBytes(StandardCharsets.UTF_8))
            .orElseGet(() -> DevCredentials.loadOrCreateSecret(auth.devSecretFile()));
    String issuer = auth.acceptedIssuers().isEmpty() ? AuthConfig.DEV_ISSUER : auth.acceptedIssuers().get(0);
    return DevCredentials.mint(
        secret, issuer, auth.audience(), subject, options.get("device", "default"), Duration.ofSeconds(ttlSeconds));
  }
}
