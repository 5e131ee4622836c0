package io.chatgateway.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

/**
 * Development mode's HMAC secret and token minting.
 *
 * <p>The secret is 256 random bits kept base64-encoded in a file readable only by its owner, so a
 * gateway and the {@code token} command started later agree on it. Never used when a JWKS URI or an
 * HMAC secret is configured.
 */
public final class DevCredentials {

  private DevCredentials() {}

  /** Reads the secret from {@code file}, creating the file with a new secret when it is missing. */
  public static byte[] loadOrCreateSecret(Path file) {
    try {
      if (Files.exists(file)) {
        return Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
      }
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(file);
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
          // Non-POSIX file systems keep their default permissions; this is development mode.
        }
        Files.writeString(file, Base64.getEncoder().encodeToString(secret), StandardCharsets.US_ASCII);
        return secret;
      } catch (FileAlreadyExistsException raced) {
        return loadOrCreateSecret(file); // another process created it first: use theirs
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the development secret " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("development secret file " + file + " is not base64; delete it", e);
    }
  }

  /** Mints an HS256 token for {@code subject} on {@code deviceId}, valid for {@code ttl}. */
  public static String mint(
      byte[] secret, String issuer, String audience, String subject, String deviceId, Duration ttl) {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(audience)
            .subject(subject)
            .claim(JwtVerifier.DEVICE_ID_CLAIM, deviceId)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalArgumentException("cannot sign with this secret: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }
}
