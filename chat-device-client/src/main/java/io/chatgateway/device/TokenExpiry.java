package io.chatgateway.device;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code exp} claim of a compact JWT, read without verifying it. The gateway tells a session's
 * expiry in {@code ready}, but says nothing after a {@code refresh_token}: the client reads the new
 * token's expiry itself to plan the next refresh. A token that is not a JWT has no known expiry.
 */
final class TokenExpiry {

  private TokenExpiry() {}

  /** When {@code token} expires, if it is a JWT with a numeric {@code exp}. */
  static Optional<Instant> of(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      Struct.Builder claims = Struct.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(payload, claims);
      Value exp = claims.getFieldsOrDefault("exp", Value.getDefaultInstance());
      return exp.hasNumberValue() ? Optional.of(Instant.ofEpochSecond((long) exp.getNumberValue())) : Optional.empty();
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
