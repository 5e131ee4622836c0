package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JWSAlgorithm;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How device tokens are verified.
 *
 * <p>Exactly one key source is used: a JWKS endpoint ({@code OAUTH2_JWKS_URI}, production), an HMAC
 * secret ({@code JWT_HMAC_SECRET} or the file {@code JWT_HMAC_SECRET_FILE}), or neither, which is development mode:
 * the gateway generates a secret, keeps it in {@code devSecretFile} so the {@code token} command can
 * mint tokens for it, and says so loudly in its log.
 *
 * <p>A token whose {@code scope} (or {@code scp}) includes {@code serviceScope} ({@code
 * SERVICE_SCOPE}) names an internal service, not a person: its calls reach the core as a service
 * principal.
 */
public record AuthConfig(
    Optional<URI> jwksUri,
    Optional<String> hmacSecret,
    List<String> issuers,
    String audience,
    Set<JWSAlgorithm> algorithms,
    Duration clockSkew,
    Path devSecretFile,
    String serviceScope) {

  /** Issuer of the tokens minted in development mode, accepted when no OAUTH2_ISSUER is set. */
  public static final String DEV_ISSUER = "chat-gateway-dev";

  static final Set<JWSAlgorithm> ASYMMETRIC_DEFAULTS =
      Set.of(
          JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
          JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
          JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
          JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
  static final Set<JWSAlgorithm> HMAC_DEFAULTS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

  public AuthConfig {
    requireNonNull(jwksUri, "jwksUri");
    requireNonNull(hmacSecret, "hmacSecret");
    issuers = List.copyOf(issuers);
    requireNonNull(audience, "audience");
    algorithms = Set.copyOf(algorithms);
    requireNonNull(clockSkew, "clockSkew");
    requireNonNull(devSecretFile, "devSecretFile");
    requireNonNull(serviceScope, "serviceScope");
  }

  /** Everything but the secret, which never reaches a log through this. */
  @Override
  public String toString() {
    return "AuthConfig[jwksUri=" + jwksUri + ", hmacSecret=" + hmacSecret.map(secret -> "(set)").orElse("(unset)") + ", issuers=" + issuers
        + ", audience=" + audience + ", algorithms=" + algorithms + ", clockSkew=" + clockSkew + ", devSecretFile=" + devSecretFile
        + ", serviceScope=" + serviceScope + "]";
  }

  /** The same keys, issuers and algorithms, for tokens meant for {@code audience}. */
  public AuthConfig withAudience(String audience) {
    return new AuthConfig(jwksUri, hmacSecret, issuers, audience, algorithms, clockSkew, devSecretFile, serviceScope);
  }

  /** True when neither a JWKS URI nor an HMAC secret is configured. */
  public boolean devMode() {
    return jwksUri.isEmpty() && hmacSecret.isEmpty();
  }

  /** Issuers accepted: the configured ones, or in development mode the dev issuer. Empty means any. */
  public List<String> acceptedIssuers() {
    return issuers.isEmpty() && devMode() ? List.of(DEV_ISSUER) : issuers;
  }

  /** Reads and validates the auth variables. */
  public static AuthConfig fromEnvironment(EnvReader env) {
    Optional<URI> jwks = env.uri("OAUTH2_JWKS_URI", "https", "http", "file");
    Optional<String> secret = env.secret("JWT_HMAC_SECRET");
    if (jwks.isPresent() && secret.isPresent()) {
      throw new ConfigException("OAUTH2_JWKS_URI and JWT_HMAC_SECRET: set only one key source, not both");
    }
    if (secret.isPresent() && secret.get().getBytes(StandardCharsets.UTF_8).length < 32) {
      throw new ConfigException("JWT_HMAC_SECRET: expected at least 32 bytes (256 bits), got "
          + secret.get().getBytes(StandardCharsets.UTF_8).length);
    }
    boolean asymmetric = jwks.isPresent();
    Set<JWSAlgorithm> allowed = asymmetric ? ASYMMETRIC_DEFAULTS : HMAC_DEFAULTS;
    List<String> requested = env.list("JWT_ALGORITHMS");
    Set<JWSAlgorithm> algorithms = allowed;
    if (!requested.isEmpty()) {
      List<JWSAlgorithm> parsed = new ArrayList<>();
      for (String name : requested) {
        JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
        if (!allowed.contains(algorithm)) {
          throw EnvReader.invalid(
              "JWT_ALGORITHMS",
              "algorithms from " + names(allowed) + (asymmetric ? " (JWKS keys)" : " (HMAC secret)"),
              String.join(",", requested));
        }
        parsed.add(algorithm);
      }
      algorithms = Set.copyOf(parsed);
    }
    return new AuthConfig(
        jwks,
        secret,
        env.list("OAUTH2_ISSUER"),
        env.string("OAUTH2_JWT_VERIFY_AUDIENCE", "service_chat_gateway"),
        algorithms,
        Duration.ofSeconds(env.integer("JWT_CLOCK_SKEW_SEC", 30, 0, 300)),
        Path.of(env.string("DEV_SECRET_FILE", Path.of(System.getProperty("user.home"), ".chat-gateway", "dev-hmac-secret").toString())),
        env.string("SERVICE_SCOPE", "chat.service"));
  }

  private static String names(Set<JWSAlgorithm> algorithms) {
    return algorithms.stream().map(JWSAlgorithm::getName).sorted().toList().toString();
  }
}
