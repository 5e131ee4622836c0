package io.chatgateway.gateway.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.core.ChatCore;
import io.chatgateway.core.EmbeddedChatService;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /metrics follows real traffic; trace context reaches the core; spans reach an OTLP collector. */
class TelemetryEndToEndTest {

  /** The traceparent of the recording core's last CreateRoom call; "none" when it came without. */
  static final AtomicReference<String> coreSawTraceparent = new AtomicReference<>();
  static final Server core = startRecordingCore();
  /** An OTLP/HTTP collector: the bodies of the trace exports it received. */
  static final List<byte[]> exports = new CopyOnWriteArrayList<>();
  static final HttpServer collector = startCollector();

  /** Embedded core: events fan out. */
  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  /** A remote core that records the trace context it receives; no trace exporter. */
  @RegisterExtension static final GatewayExtension traced = GatewayExtension.withEnv(Map.of("CHAT_SERVICE_URI", "localhost:" + core.getPort()));

  /** The same core, and spans exported to the collector. */
  @RegisterExtension
  static final GatewayExtension exporting =
      GatewayExtension.withEnv(
          Map.of("CHAT_SERVICE_URI", "localhost:" + core.getPort(), "OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:" + collector.getAddress().getPort()));

  static final HttpClient http = HttpClient.newHttpClient();

  @AfterAll
  static void stopCore() {
    core.shutdownNow();
    collector.stop(0);
  }

  @Test
  void theConnectionGaugeAndTrafficSeriesFollowRealDevices() throws Exception {
    double before = value(scrape(), GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS, "transport=\"grpc\"");
    String roomId = gateway.as("metric-owner").createRoom(CreateRoomRequest.newBuilder().setName("metrics").build()).getRoom().getId();
    DeviceClient one = DeviceClient.connect(gateway.channel(), TestTokens.valid("metric-owner", "a"), "one");
    DeviceClient two = DeviceClient.connect(gateway.channel(), TestTokens.valid("metric-owner", "b"), "two");
    one.hello();
    two.hello();
    one.subscribe(roomId);
    two.subscribe(roomId);
    Await.until(Duration.ofSeconds(10), () -> value(scrape(), GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS, "transport=\"grpc\"") == before + 2, "gauge up by two");
    assertEquals(2, value(scrape(), "chat_gateway_subscriptions_active", ""), 0.0);

    double sent = value(scrape(), "chat_gateway_fanout_deliveries_total", "");
    one.send(
        ConnectRequest.newBuilder()
            .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId(roomId).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("counted")))));
    two.await(ServerEvent::hasRoomEvent, "the message");
    String afterTraffic = scrape();
    assertTrue(value(afterTraffic, "chat_gateway_fanout_deliveries_total", "") >= sent + 2, afterTraffic);
    assertTrue(value(afterTraffic, "chat_gateway_frames_received_total", "frame=\"send\"") >= 1, afterTraffic);
    assertTrue(value(afterTraffic, "chat_gateway_upstream_duration_seconds_count", "method=\"SendEvent\"") >= 1, afterTraffic);
    assertTrue(value(afterTraffic, "chat_gateway_events_sent_total", "") >= 4, afterTraffic);
    assertTrue(afterTraffic.contains("chat_gateway_fanout_duration_seconds_bucket"), afterTraffic);
    assertTrue(!afterTraffic.contains("metric-owner") && !afterTraffic.contains(roomId), "no user or room ids in labels");

    // A device catching up from position 0 is served from the gateway's recent events (the room is live here).
    DeviceClient late = DeviceClient.connect(gateway.channel(), TestTokens.valid("metric-owner", "c"), "late");
    late.hello(io.chatgateway.proto.v1.HelloFrame.newBuilder().putPositions(roomId, 0).build());
    late.await(ServerEvent::hasRoomEvent, "the message, from history");
    Await.until(Duration.ofSeconds(10), () -> value(scrape(), "chat_gateway_history_reads_total", "source=\"cache\"") >= 1, () -> "a cache read counted: " + scrape());
    assertTrue(value(scrape(), "chat_gateway_history_events_total", "source=\"cache\"") >= 1);
    late.close();

    one.close();
    Await.until(Duration.ofSeconds(10), () -> value(scrape(), GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS, "transport=\"grpc\"") == before + 1, "gauge down by one");
    assertTrue(value(scrape(), "chat_gateway_sessions_closed_total", "reason=\"DISCONNECTED\"") >= 1);
    two.close();
  }

  @Test
  void withoutAnExporterTheCallersTraceContextReachesTheCoreAsItCame() throws Exception {
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    createRoomWithTraceparent(traced, traceparent);
    assertEquals(traceparent, coreSawTraceparent.get(), "the gateway makes no span of its own");

    traced.as("tracer").createRoom(CreateRoomRequest.newBuilder().setName("untraced").build());
    assertEquals("none", coreSawTraceparent.get(), "a call without trace context gets none");

    createRoomWithTraceparent(traced, "00-not-a-trace-context");
    assertEquals("none", coreSawTraceparent.get(), "a malformed traceparent is dropped, as W3C says, and the call is served");

    String httpTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    assertEquals(200, createRoomOverHttp(traced, httpTraceparent).statusCode());
    assertEquals(httpTraceparent, coreSawTraceparent.get(), "the Connect protocol's header too");
  }

  @Test
  void withAnExporterTheGatewaysSpanIsTheCoresParentAndIsExported() throws Exception {
    String traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
    createRoomWithTraceparent(exporting, "00-" + traceId + "-00f067aa0ba902b7-01");
    assertTrue(coreSawTraceparent.get().startsWith("00-" + traceId + "-"), "core saw " + coreSawTraceparent.get());
    assertTrue(!coreSawTraceparent.get().contains("00f067aa0ba902b7"), "the gateway's own span is the parent the core sees");

    String httpTrace = "1af7651916cd43dd8448eb211c80319d";
    HttpResponse<String> response = createRoomOverHttp(exporting, "00-" + httpTrace + "-b7ad6b7169203331-01");
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(coreSawTraceparent.get().startsWith("00-" + httpTrace + "-"), "core saw " + coreSawTraceparent.get());
    assertTrue(!coreSawTraceparent.get().contains("b7ad6b7169203331"), "core saw " + coreSawTraceparent.get());

    // OTLP/HTTP's protobuf carries trace ids as their 16 bytes; the batch processor exports within seconds.
    byte[] grpcTrace = HexFormat.of().parseHex(traceId);
    byte[] connectTrace = HexFormat.of().parseHex(httpTrace);
    Await.until(
        Duration.ofSeconds(20),
        () -> exports.stream().anyMatch(body -> contains(body, grpcTrace)) && exports.stream().anyMatch(body -> contains(body, connectTrace)),
        () -> "both traces exported; the collector received " + exports.size() + " export(s)");
  }

  private static void createRoomWithTraceparent(GatewayExtension gateway, String traceparent) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), traceparent);
    gateway.as("tracer").withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).createRoom(CreateRoomRequest.newBuilder().setName("traced").build());
  }

  private static HttpResponse<String> createRoomOverHttp(GatewayExtension gateway, String traceparent) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/chat.v1.ChatService/CreateRoom"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + TestTokens.valid("tracer", "web"))
            .header("traceparent", traceparent)
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"traced over http\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static boolean contains(byte[] body, byte[] part) {
    for (int i = 0; i + part.length <= body.length; i++) {
      if (Arrays.equals(body, i, i + part.length, part, 0, part.length)) {
        return true;
      }
    }
    return false;
  }

  private static String scrape() {
    try {
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      return response.body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The sum of the series named {@code name} whose labels contain {@code labelFragment}. */
  private static double value(String scrape, String name, String labelFragment) {
    Matcher lines = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(scrape);
    double total = 0;
    while (lines.find()) {
      String labels = lines.group(1) == null ? "" : lines.group(1);
      if (labels.contains(labelFragment)) {
        total += Double.parseDouble(lines.group(2));
      }
    }
    return total;
  }

  private static Server startRecordingCore() {
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            if (call.getMethodDescriptor().getBareMethodName().equals("CreateRoom")) {
              String traceparent = headers.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER));
              coreSawTraceparent.set(traceparent == null ? "none" : traceparent);
            }
            return Contexts.interceptCall(io.grpc.Context.current(), call, headers, next);
          }
        };
    try {
      return NettyServerBuilder.forPort(0)
          .addService(ServerInterceptors.intercept(new EmbeddedChatService(new ChatCore(envelope -> {}, Clock.systemUTC(), "core")).bindWithIdentity(), recorder))
          .build()
          .start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpServer startCollector() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
      server.createContext(
          "/v1/traces",
          exchange -> {
            try (exchange) {
              exports.add(exchange.getRequestBody().readAllBytes());
              exchange.sendResponseHeaders(200, -1);
            }
          });
      server.start();
      return server;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
