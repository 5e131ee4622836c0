package io.chatgateway.gateway.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Tokens for tests: valid ones, and every kind of bad one. */
public final class TestTokens {

  public static final String SECRET = "test-secret-of-at-least-thirty-two-bytes!";
  public static final String ISSUER = "https://issuer.test";
  public static final String AUDIENCE = "service_chat_gateway";

  private TestTokens() {}

  /** Claims for {@code sub} on {@code device}, expiring in an hour, from the test issuer to the gateway. */
  public static JWTClaimsSet.Builder claims(String subject, String device) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject(subject)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
    if (device != null) {
      claims.claim("device_id", device);
    }
    return claims;
  }

  public static String hs256(JWTClaimsSet.Builder claims) {
    return hs256(claims, SECRET);
  }

  public static String hs256(JWTClaimsSet.Builder claims, String secret) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid HS256 token for the standard test gateway. */
  public static String valid(String subject, String device) {
    return hs256(claims(subject, device));
  }

  public static String rs256(JWTClaimsSet.Builder claims, RSAKey key) {
    try {
      SignedJWT jwt =
          new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims.build());
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An unsigned {@code alg: none} token. */
  public static String unsigned(JWTClaimsSet.Builder claims) {
    return new PlainJWT(claims.build()).serialize();
  }

  public static RSAKey newRsaKey(String keyId) {
    try {
      return new RSAKeyGenerator(2048).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
