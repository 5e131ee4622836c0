package io.chatgateway.gateway.http;

import com.google.protobuf.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of the HTTP port's enveloped protocols written from their specifications (Connect
 * streaming, gRPC-Web binary and text), with the JDK's HTTP client, for tests that need to stop
 * reading, read a frame at a time, or send what no real client would.
 */
final class EnvelopedCalls {

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private EnvelopedCalls() {}

  /** One envelope as read. */
  record Frame(int flags, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** gRPC-Web trailers: lower-case names to values. */
    Map<String, String> trailers() {
      Map<String, String> trailers = new LinkedHashMap<>();
      for (String line : text().split("\r\n")) {
        int colon = line.indexOf(':');
        trailers.put(line.substring(0, colon).strip().toLowerCase(), line.substring(colon + 1).strip());
      }
      return trailers;
    }
  }

  /** {@code message} in one envelope with no flags. */
  static byte[] envelope(byte[] message) {
    return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
  }

  static byte[] envelope(Message message) {
    return envelope(message.toByteArray());
  }

  static byte[] envelope(String json) {
    return envelope(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Starts a POST and returns once the response head arrived; the body is read as it comes. */
  static HttpResponse<InputStream> start(int port, String method, String contentType, String token, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/chat.v1.ChatService/" + method))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /** Every frame of a response, read to its end. */
  static List<Frame> readAll(InputStream body) throws IOException {
    List<Frame> frames = new ArrayList<>();
    try (body) {
      for (Frame frame = next(body); frame != null; frame = next(body)) {
        frames.add(frame);
      }
    }
    return frames;
  }

  /** The next frame, or null at the end of the body. */
  static Frame next(InputStream body) throws IOException {
    DataInputStream in = new DataInputStream(body);
    int flags = in.read();
    if (flags < 0) {
      return null;
    }
    int length = in.readInt();
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(flags, payload);
  }

  /** A gRPC-Web text body decoded quad by quad (each padded piece may end in '='). */
  static InputStream decodeText(InputStream text) throws IOException {
    byte[] all = text.readAllBytes();
    if (all.length % 4 != 0) {
      throw new EOFException("the text body ends inside a base64 quad");
    }
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    for (int i = 0; i < all.length; i += 4) {
      decoded.writeBytes(Base64.getDecoder().decode(Arrays.copyOfRange(all, i, i + 4)));
    }
    return new ByteArrayInputStream(decoded.toByteArray());
  }
}
