package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.Ids;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer JWTs: signature (only allow-listed algorithms; unsigned {@code alg: none} tokens are
 * always rejected), {@code exp} (required), {@code nbf}, audience, issuer, and a {@code sub}.
 *
 * <p>The profile id is {@code sub}; the device id is the {@code device_id} claim, or {@code default}.
 * Both must follow the {@link Ids} rule (1-128 bytes of UTF-8, NFC, no whitespace or control
 * characters); a token naming any other id is rejected, never repaired.
 * Keys come from a JWKS endpoint, cached and refreshed at a limited rate when an unknown key id shows
 * up, or from an HMAC secret. Thread-safe.
 */
public final class JwtVerifier {

  /** How long fetched JWKS keys are trusted before a refresh. */
  static final Duration JWKS_CACHE_TTL = Duration.ofMinutes(5);
  /** At most one JWKS refresh per this interval, however many unknown key ids arrive. */
  static final Duration JWKS_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);
  static final String DEVICE_ID_CLAIM = "device_id";

  /** Tokens {@link #verifyRepeated} remembers. */
  static final int CACHED_TOKENS = 10_000;

  private final DefaultJWTProcessor<SecurityContext> processor;
  private final String serviceScope;
  /** Keys fetched from a JWKS endpoint: verifying a token may wait for the network. */
  private final boolean remoteKeys;
  private final VerifiedTokenCache recent = new VerifiedTokenCache(CACHED_TOKENS, java.time.Clock.systemUTC());

  private JwtVerifier(JWKSource<SecurityContext> keys, AuthConfig config) {
    remoteKeys = config.jwksUri().isPresent();
    serviceScope = config.serviceScope();
    processor = new DefaultJWTProcessor<>();
    // Plain JWTs and RFC 9068 access tokens; no "typ" at all is accepted too.
    processor.setJWSTypeVerifier(
        new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(config.algorithms(), keys));
    processor.setJWTClaimsSetVerifier(new ClaimsVerifier(config));
  }

  /** A verifier for the configured key source; in development mode, for the given dev secret. */
  public static JwtVerifier create(AuthConfig config, byte[] devSecret) {
    requireNonNull(config, "config");
    JWKSource<SecurityContext> keys;
    if (config.jwksUri().isPresent()) {
      keys = jwks(config.jwksUri().get());
    } else if (config.hmacSecret().isPresent()) {
      keys = new ImmutableSecret<>(config.hmacSecret().get().getBytes(StandardCharsets.UTF_8));
    } else {
      keys = new ImmutableSecret<>(requireNonNull(devSecret, "devSecret"));
    }
    return new JwtVerifier(keys, config);
  }

  private static JWKSource<SecurityContext> jwks(URI uri) {
    try {
      return JWKSourceBuilder.<SecurityContext>create(uri.toURL())
          .cache(JWKS_CACHE_TTL.toMillis(), Duration.ofSeconds(15).toMillis())
          .rateLimited(JWKS_MIN_REFRESH_INTERVAL.toMillis())
          .retrying(true)
          .build();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("OAUTH2_JWKS_URI is not a URL: " + uri, e);
    }
  }

  /**
   * As {@link #verify}, answered from the tokens verified in the last few minutes when this one is
   * among them (see {@link VerifiedTokenCache}). For calls that repeat one token many times, such as
   * unary RPCs; a long-lived stream verifies once and has nothing to gain from the cache.
   */
  public VerifiedToken verifyRepeated(String token) throws TokenRejectedException {
    VerifiedToken cached = recent.get(token);
    if (cached != null) {
      return cached;
    }
    VerifiedToken verified = verify(token);
    recent.put(token, verified);
    return verified;
  }

  /**
   * Whether verifying {@code token} is CPU work only: keys held locally (HMAC, development), or a
   * token {@link #verifyRepeated} remembers when {@code repeated}. Otherwise a JWKS fetch may block.
   */
  public boolean verifiesWithoutBlocking(String token, boolean repeated) {
    return !remoteKeys || (repeated && recent.get(token) != null);
  }

  /** Verifies a compact-serialized JWT (without the {@code Bearer } prefix). */
  public VerifiedToken verify(String token) throws TokenRejectedException {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw new TokenRejectedException("token is not a JWT");
    } catch (BadJOSEException e) {
      throw new TokenRejectedException("token rejected: " + e.getMessage());
    } catch (com.nimbusds.jose.JOSEException e) {
      // Key retrieval or crypto failure: not the caller's fault, but the token can't be trusted.
      throw new TokenRejectedException("token could not be verified: " + e.getMessage());
    }
    Set<String> scopes = scopes(claims);
    return new VerifiedToken(identity(claims, scopes.contains(serviceScope)), claims.getExpirationTime().toInstant(), clientId(claims), scopes);
  }

  /** OAuth2's {@code scope} (RFC 8693 / 9068: space-separated) or the {@code scp} array some servers write. */
  private static Set<String> scopes(JWTClaimsSet claims) {
    Set<String> scopes = new HashSet<>();
    if (claims.getClaim("scope") instanceof String spaced) {
      for (String scope : spaced.split(" ")) {
        if (!scope.isEmpty()) {
          scopes.add(scope);
        }
      }
    }
    Object scp = claims.getClaim("scp");
    if (scp instanceof String single) {
      scopes.add(single);
    } else if (scp instanceof List<?> many) {
      many.stream().filter(String.class::isInstance).map(String.class::cast).forEach(scopes::add);
    }
    return scopes;
  }

  /** RFC 9068's {@code client_id}, or OpenID's {@code azp} (Keycloak, Auth0), if either is a string. */
  private static Optional<String> clientId(JWTClaimsSet claims) {
    for (String claim : List.of("client_id", "azp")) {
      if (claims.getClaim(claim) instanceof String client && !client.isEmpty()) {
        return Optional.of(client);
      }
    }
    return Optional.empty();
  }

  /** The caller a verified token names; both ids must follow the {@link Ids} rule, byte for byte. */
  private static CallerIdentity identity(JWTClaimsSet claims, boolean service) throws TokenRejectedException {
    String subject = claims.getSubject();
    String problem = Ids.problem("sub", subject);
    if (problem != null) {
      throw new TokenRejectedException("token rejected: " + problem);
    }
    Object device = claims.getClaim(DEVICE_ID_CLAIM);
    String deviceId;
    if (device == null) {
      deviceId = CallerIdentity.DEFAULT_DEVICE_ID;
    } else if (device instanceof String named) {
      problem = Ids.problem(DEVICE_ID_CLAIM, named);
      if (problem != null) {
        throw new TokenRejectedException("token rejected: " + problem);
      }
      deviceId = named;
    } else {
      throw new TokenRejectedException("token rejected: " + DEVICE_ID_CLAIM + " must be a string");
    }
    return new CallerIdentity(subject, deviceId, service ? CallerIdentity.Kind.SERVICE : CallerIdentity.Kind.USER);
  }

  /** Standard claim checks plus an issuer allow-list (nimbus matches a single issuer only). */
  private static final class ClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
    private final List<String> issuers;

    ClaimsVerifier(AuthConfig config) {
      super(Set.of(config.audience()), null, requiredClaims(config), null);
      this.issuers = config.acceptedIssuers();
      setMaxClockSkew((int) config.clockSkew().toSeconds());
    }

    private static Set<String> requiredClaims(AuthConfig config) {
      Set<String> required = new HashSet<>(Set.of("sub", "exp"));
      if (!config.acceptedIssuers().isEmpty()) {
        required.add("iss");
      }
      return required;
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
      super.verify(claims, context);
      if (!issuers.isEmpty() && !issuers.contains(claims.getIssuer())) {
        throw new BadJWTException("JWT issuer not accepted");
      }
    }
  }
}
