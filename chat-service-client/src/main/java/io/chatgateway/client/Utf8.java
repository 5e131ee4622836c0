package io.chatgateway.client;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding for bytes from outside (identity metadata, request bodies): malformed bytes
 * are an error, never silently replaced by U+FFFD, so two different byte strings never read as one.
 * Stateless.
 */
public final class Utf8 {

  private Utf8() {}

  /** {@code bytes} as text; CharacterCodingException when they are not well-formed UTF-8. */
  public static String decodeStrictly(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
