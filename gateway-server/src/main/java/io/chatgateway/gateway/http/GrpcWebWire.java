package io.chatgateway.gateway.http;

import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.Status;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;

/**
 * gRPC-Web ({@code application/grpc-web[+proto|+json]} and {@code application/grpc-web-text}): gRPC's
 * enveloped messages, with the trailers (the status, and the core's own) in a last envelope (flag
 * {@code 0x80}) as {@code name:value\r\n} lines instead of HTTP trailers, so it works over HTTP/1.1 and from browsers. In the
 * text form both bodies are base64; each answer is encoded on its own (padded pieces one after
 * another, as grpc-web clients read them). Immutable.
 */
final class GrpcWebWire extends EnvelopedWire {

  static final GrpcWebWire PROTO = new GrpcWebWire(MessageCodec.PROTO, "application/grpc-web+proto", false);
  static final GrpcWebWire JSON = new GrpcWebWire(MessageCodec.JSON, "application/grpc-web+json", false);
  static final GrpcWebWire TEXT = new GrpcWebWire(MessageCodec.PROTO, "application/grpc-web-text+proto", true);

  static final int TRAILERS = 0x80;
  static final HttpString TIMEOUT = new HttpString("grpc-timeout");
  private static final HttpString ENCODING = new HttpString("grpc-encoding");

  private final boolean text;

  private GrpcWebWire(MessageCodec codec, String contentType, boolean text) {
    super(codec, contentType);
    this.text = text;
  }

  @Override
  public HttpString encodingHeader() {
    return ENCODING;
  }

  /** gRPC's {@code grpc-timeout}: up to 8 digits and a unit, H, M, S, m, u or n. */
  @Override
  public OptionalLong timeoutMillis(HeaderMap headers) {
    String value = headers.getFirst(TIMEOUT);
    if (value == null) {
      return OptionalLong.empty();
    }
    if (!value.matches("[0-9]{1,8}[HMSmun]")) {
      throw new IllegalArgumentException("grpc-timeout must be up to 8 digits and a unit (H, M, S, m, u, n), such as 1500m");
    }
    long amount = Long.parseLong(value.substring(0, value.length() - 1));
    long millis =
        switch (value.charAt(value.length() - 1)) {
          case 'H' -> amount * 3_600_000;
          case 'M' -> amount * 60_000;
          case 'S' -> amount * 1_000;
          case 'm' -> amount;
          case 'u' -> Math.max(1, amount / 1_000);
          default -> Math.max(1, amount / 1_000_000);
        };
    return OptionalLong.of(millis);
  }

  @Override
  public byte[] requestMessage(byte[] body) {
    return super.requestMessage(text ? Envelopes.decodeBase64Pieces(body) : body);
  }

  @Override
  ByteBuffer messageFrame(Message message) {
    return inTextIfSo(super.messageFrame(message));
  }

  @Override
  ByteBuffer endFrame(Status status, Metadata trailers) {
    StringBuilder lines = new StringBuilder("grpc-status:").append(status.getCode().value()).append("\r\n");
    if (!status.isOk()) {
      lines.append("grpc-message:").append(percentEncoded(ConnectUnaryWire.describe(status))).append("\r\n");
    }
    textOf(trailers).forEach((name, values) -> values.forEach(value -> lines.append(name).append(':').append(value).append("\r\n")));
    return inTextIfSo(Envelopes.frame(TRAILERS, lines.toString().getBytes(StandardCharsets.US_ASCII)));
  }

  private ByteBuffer inTextIfSo(ByteBuffer frame) {
    return text ? Base64.getEncoder().encode(frame) : frame;
  }

  /**
   * gRPC's encoding of {@code grpc-message}: UTF-8, with every byte outside printable ASCII, and
   * {@code %} itself, written as {@code %XX}.
   */
  static String percentEncoded(String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int unsigned = b & 0xff;
      if (unsigned >= 0x20 && unsigned < 0x7f && unsigned != '%') {
        out.write(unsigned);
      } else {
        out.writeBytes(String.format("%%%02X", unsigned).getBytes(StandardCharsets.US_ASCII));
      }
    }
    return out.toString(StandardCharsets.US_ASCII);
  }
}
