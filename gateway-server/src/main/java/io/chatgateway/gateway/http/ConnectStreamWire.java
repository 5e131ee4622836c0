package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.JsonResponses.object;
import static io.chatgateway.gateway.http.JsonResponses.string;

import com.google.protobuf.ListValue;
import com.google.protobuf.Value;
import io.grpc.Metadata;
import io.grpc.Status;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The Connect protocol's streaming form ({@code application/connect+json}, {@code
 * application/connect+proto}): one enveloped request message; the answers enveloped, then an
 * end-of-stream envelope (flag {@code 0x02}) holding JSON: {@code {}}, or {@code
 * {"error":{"code":..,"message":..}}}, with the core's trailers in {@code "metadata"} when it sent
 * any. Immutable.
 */
final class ConnectStreamWire extends EnvelopedWire {

  static final ConnectStreamWire JSON = new ConnectStreamWire(MessageCodec.JSON, "application/connect+json");
  static final ConnectStreamWire PROTO = new ConnectStreamWire(MessageCodec.PROTO, "application/connect+proto");

  static final int END_STREAM = 0x02;
  private static final HttpString ENCODING = new HttpString("Connect-Content-Encoding");

  private ConnectStreamWire(MessageCodec codec, String contentType) {
    super(codec, contentType);
  }

  @Override
  public HttpString encodingHeader() {
    return ENCODING;
  }

  @Override
  public OptionalLong timeoutMillis(HeaderMap headers) {
    return ConnectUnaryWire.connectTimeout(headers);
  }

  @Override
  ByteBuffer endFrame(Status status, Metadata trailers) {
    Map<String, Value> end = new LinkedHashMap<>();
    if (!status.isOk()) {
      end.put("error", object(Map.of("code", string(ConnectUnaryWire.connectCode(status.getCode())), "message", string(ConnectUnaryWire.describe(status)))));
    }
    Map<String, Value> metadata = new LinkedHashMap<>();
    textOf(trailers).forEach((name, values) -> metadata.put(name, list(values)));
    if (!metadata.isEmpty()) {
      end.put("metadata", object(metadata));
    }
    return Envelopes.frame(END_STREAM, JsonResponses.print(end).getBytes(StandardCharsets.UTF_8));
  }

  private static Value list(List<String> values) {
    ListValue.Builder list = ListValue.newBuilder();
    values.forEach(value -> list.addValues(string(value)));
    return Value.newBuilder().setListValue(list).build();
  }
}
