package io.chatgateway.core;

import io.chatgateway.proto.v1.PageCursor;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Encodes and decodes the opaque {@link PageCursor} tokens of this core. A token is the base64url of
 * {@code v1|<kind>|<fields...>}; clients must treat it as opaque, and a token that does not decode is
 * {@code INVALID_ARGUMENT}.
 */
final class PageTokens {

  private static final String VERSION = "v1";

  private PageTokens() {}

  static PageCursor encode(String kind, String... fields) {
    StringBuilder raw = new StringBuilder(VERSION).append('|').append(kind);
    for (String field : fields) {
      raw.append('|').append(field);
    }
    String token =
        Base64.getUrlEncoder().withoutPadding().encodeToString(raw.toString().getBytes(StandardCharsets.UTF_8));
    return PageCursor.newBuilder().setToken(token).build();
  }

  /** The fields after the kind, or throws INVALID_ARGUMENT when the token is not one of {@code kind}. */
  static String[] decode(PageCursor cursor, String kind, int fieldCount) {
    String raw;
    try {
      raw = new String(Base64.getUrlDecoder().decode(cursor.getToken()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw RequestLimits.invalid("cursor is not a token this service issued");
    }
    String[] parts = raw.split("\\|", fieldCount + 2); // the last field may itself hold a pipe
    if (parts.length != fieldCount + 2 || !VERSION.equals(parts[0]) || !kind.equals(parts[1])) {
      throw RequestLimits.invalid("cursor is not a token this service issued for this call");
    }
    String[] fields = new String[fieldCount];
    System.arraycopy(parts, 2, fields, 0, fieldCount);
    return fields;
  }

  static long decodeLong(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw RequestLimits.invalid("cursor is not a token this service issued");
    }
  }
}
