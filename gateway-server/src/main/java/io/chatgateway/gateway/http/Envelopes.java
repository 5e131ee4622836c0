package io.chatgateway.gateway.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * The message envelope that Connect streaming and gRPC-Web share: one flags byte, a big-endian
 * 32-bit length, then that many bytes. Stateless.
 */
final class Envelopes {

  static final int HEADER_BYTES = 5;
  /** Flag of a compressed message (both protocols); this gateway neither sends nor takes one. */
  static final int COMPRESSED = 0x01;

  private Envelopes() {}

  /** {@code payload} in one envelope with {@code flags}, ready to write. */
  static ByteBuffer frame(int flags, byte[] payload) {
    ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + payload.length);
    frame.put((byte) flags).putInt(payload.length).put(payload);
    return frame.flip();
  }

  /**
   * The message of a request body that must hold exactly one uncompressed envelope with no flags
   * (a unary or server-streaming call's request).
   *
   * @throws IllegalArgumentException saying what is wrong with the body
   */
  static byte[] onlyMessage(byte[] body) {
    if (body.length < HEADER_BYTES) {
      throw new IllegalArgumentException("the body holds no enveloped message (" + body.length + " bytes; an envelope's header alone is 5)");
    }
    int flags = body[0] & 0xff;
    if ((flags & COMPRESSED) != 0) {
      throw new IllegalArgumentException("the request message is compressed; this gateway takes identity encoding only");
    }
    if (flags != 0) {
      throw new IllegalArgumentException("the request envelope has flags 0x" + Integer.toHexString(flags) + "; a request message has none");
    }
    long length = ByteBuffer.wrap(body, 1, 4).getInt() & 0xffff_ffffL;
    if (length != body.length - HEADER_BYTES) {
      throw new IllegalArgumentException(
          "the body must hold exactly one enveloped message: the envelope says " + length + " bytes, " + (body.length - HEADER_BYTES) + " follow");
    }
    return Arrays.copyOfRange(body, HEADER_BYTES, body.length);
  }

  /**
   * Base64 text that may be several padded pieces one after another (how gRPC-Web text clients and
   * proxies send a body written in parts), decoded.
   *
   * @throws IllegalArgumentException when it is not such text
   */
  static byte[] decodeBase64Pieces(byte[] text) {
    if (text.length % 4 != 0) {
      throw new IllegalArgumentException("the body is not base64: " + text.length + " characters is not a multiple of 4");
    }
    ByteArrayOutputStream decoded = new ByteArrayOutputStream(text.length / 4 * 3);
    int pieceStart = 0;
    for (int quad = 0; quad < text.length; quad += 4) {
      if (text[quad + 3] == '=' || quad + 4 == text.length) {
        decoded.writeBytes(Base64.getDecoder().decode(Arrays.copyOfRange(text, pieceStart, quad + 4)));
        pieceStart = quad + 4;
      }
    }
    return decoded.toByteArray();
  }
}
