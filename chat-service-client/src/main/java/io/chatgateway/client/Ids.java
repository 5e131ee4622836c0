package io.chatgateway.client;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * The one rule for the ids the gateway and the core exchange: profile ids (a token's {@code sub}),
 * device ids (its {@code device_id} claim) and room ids. Gateways apply it when a token is verified,
 * on every transport; the core applies it to identity metadata and to every id in a request.
 *
 * <p>A profile or device id is 1 to {@value #MAX_BYTES} bytes of UTF-8, in Unicode normalisation form
 * NFC, with no whitespace, separator, control, format (zero-width), surrogate, private-use or
 * unassigned code point. Ids that are not NFC are <em>rejected</em>, not normalised: normalising would
 * merge two ids an identity provider keeps apart. So {@code jürgen} (NFC) and {@code jörgen} are two
 * users, and {@code ju\u0308rgen} (decomposed) is refused. Compared byte for byte everywhere.
 *
 * <p>A room id is 1 to {@value #MAX_BYTES} characters of {@code [A-Za-z0-9._:-]}: the core chooses
 * room ids, and they name Redis channels, so they stay plain ASCII.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ids {

  /** The longest id, in UTF-8 bytes. */
  public static final int MAX_BYTES = 128;

  private static final Pattern ROOM_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private Ids() {}

  /**
   * Why {@code id} is not a valid profile or device id, or {@code null} when it is.
   *
   * @param field how the message names the id ({@code "sub"}, {@code "profile_id"}, ...)
   */
  public static String problem(String field, String id) {
    if (id == null || id.isEmpty()) {
      return field + " must not be empty";
    }
    // A UTF-8 byte count without encoding: ids are checked on every token and every core call.
    int bytes = 0;
    for (int i = 0; i < id.length(); ) {
      int codePoint = id.codePointAt(i);
      String bad = disallowed(codePoint);
      if (bad != null) {
        return field + " must not contain " + bad + " (U+" + String.format("%04X", codePoint) + " at index " + i + ")";
      }
      bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
      if (bytes > MAX_BYTES) {
        return field + " must be at most " + MAX_BYTES + " bytes of UTF-8";
      }
      i += Character.charCount(codePoint);
    }
    if (!Normalizer.isNormalized(id, Normalizer.Form.NFC)) {
      return field + " must be in Unicode normalisation form NFC";
    }
    return null;
  }

  /** {@code id} when it is a valid profile or device id; otherwise IllegalArgumentException saying why. */
  public static String require(String field, String id) {
    String problem = problem(field, id);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return id;
  }

  /** Why {@code roomId} is not a valid room id, or {@code null} when it is. */
  public static String roomProblem(String field, String roomId) {
    if (roomId == null || !ROOM_ID.matcher(roomId).matches()) {
      return field + " must be 1 to " + MAX_BYTES + " characters of [A-Za-z0-9._:-], got '" + clip(roomId) + "'";
    }
    return null;
  }

  /** Whether {@code roomId} is a valid room id. */
  public static boolean isRoomId(String roomId) {
    return roomId != null && ROOM_ID.matcher(roomId).matches();
  }

  /** The id's UTF-8 bytes, as identity metadata carries them. */
  public static byte[] utf8(String id) {
    return id.getBytes(StandardCharsets.UTF_8);
  }

  private static String disallowed(int codePoint) {
    if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
      return "whitespace";
    }
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL -> "a control character";
      case Character.FORMAT -> "a format character";
      case Character.SURROGATE -> "an unpaired surrogate";
      case Character.PRIVATE_USE -> "a private-use character";
      case Character.UNASSIGNED -> "an unassigned code point";
      case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> "whitespace";
      default -> null;
    };
  }

  /**
   * {@code value} as error messages and log lines quote an id: at most 40 characters, control
   * characters escaped. Null is quoted as empty.
   */
  public static String clip(String value) {
    if (value == null) {
      return "";
    }
    String clipped = value.length() <= 40 ? value : value.substring(0, 40) + "...";
    // The id goes into an error message and maybe a log line: no raw control characters there.
    StringBuilder safe = new StringBuilder(clipped.length());
    clipped.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        safe.append(String.format("\\u%04x", c));
      } else {
        safe.appendCodePoint(c);
      }
    });
    return safe.toString();
  }
}
