package io.chatgateway.gateway.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bytes that are not the request message get INVALID_ARGUMENT on unary and server-streaming calls,
 * whichever core and marshalling serve them, and the Connect protocol answers 400; none of it puts a
 * stack trace or a warning in the log.
 */
class UndecodableRequestsEndToEndTest {

  /** Field 1 (room_id) with a length running past the end, and a string that is not UTF-8. */
  static final List<byte[]> GARBAGE = List.of(new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f}, new byte[] {0x0a, 0x02, (byte) 0xc3, 0x28}, new byte[] {(byte) 0xff});

  static final CoreServer core = startCore();

  @RegisterExtension static final GatewayExtension embedded = GatewayExtension.standard();

  @RegisterExtension
  static final GatewayExtension parsed = GatewayExtension.withEnv(Map.of("FORWARD_MARSHALLING", "parsed"));

  @RegisterExtension
  static final GatewayExtension remote = GatewayExtension.withEnv(Map.of("CHAT_SERVICE_URI", "localhost:" + core.port()));

  static final List<LogRecord> logged = Collections.synchronizedList(new ArrayList<>());
  static final Handler recorder =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logged.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void recordLogs() {
    logged.clear();
    Logger.getLogger("").addHandler(recorder);
  }

  @AfterEach
  void stopRecording() {
    Logger.getLogger("").removeHandler(recorder);
  }

  @AfterAll
  static void stopCore() {
    core.close();
  }

  @Test
  void garbageOnUnaryAndServerStreamingCallsIsInvalidArgumentOnEveryPath() {
    for (GatewayExtension gateway : List.of(embedded, parsed, remote)) {
      for (int round = 0; round < 20; round++) {
        for (byte[] garbage : GARBAGE) {
          assertInvalidArgument(gateway, ChatServiceGrpc.getSendEventMethod(), garbage);
          assertInvalidArgument(gateway, ChatServiceGrpc.getGetHistoryMethod(), garbage);
          assertInvalidArgument(gateway, ChatServiceGrpc.getSearchRoomsMethod(), garbage);
        }
      }
    }
    List<LogRecord> loud = logged.stream().filter(r -> r.getThrown() != null || r.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    assertTrue(loud.isEmpty(), () -> loud.size() + " stack traces or warnings for bad input, the first: " + describe(loud.get(0)));
  }

  @Test
  void garbageOverTheConnectProtocolIsA400() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String contentType : List.of("application/proto", "application/json")) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + embedded.server().httpPort() + "/chat.v1.ChatService/SendEvent"))
                  .header("Content-Type", contentType)
                  .header("Authorization", "Bearer " + TestTokens.valid("gary", "web"))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(GARBAGE.get(0)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(400, response.statusCode(), contentType + ": " + response.body());
      assertTrue(response.body().contains("\"invalid_argument\""), response.body());
    }
  }

  private static String describe(LogRecord record) {
    java.io.StringWriter trace = new java.io.StringWriter();
    if (record.getThrown() != null) {
      record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
    }
    return record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage() + "\n" + trace;
  }

  private static void assertInvalidArgument(GatewayExtension gateway, MethodDescriptor<?, ?> method, byte[] garbage) {
    MethodDescriptor<byte[], byte[]> raw = method.toBuilder(RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE).build();
    ManagedChannel channel = gateway.channel();
    CallOptions options =
        CallOptions.DEFAULT.withCallCredentials(GatewayExtension.bearer(TestTokens.valid("gary", "phone"))).withDeadlineAfter(10, TimeUnit.SECONDS);
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () -> {
              if (method.getType() == MethodDescriptor.MethodType.UNARY) {
                ClientCalls.blockingUnaryCall(channel, raw, options, garbage);
              } else {
                ClientCalls.blockingServerStreamingCall(channel, raw, options, garbage).forEachRemaining(response -> {});
              }
            },
            method.getFullMethodName());
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), method.getFullMethodName() + ": " + refused.getStatus());
    assertTrue(refused.getStatus().getDescription().contains("cannot be decoded"), refused.getStatus().getDescription());
  }

  private static CoreServer startCore() {
    try {
      return CoreServer.start(0, envelope -> {}, "garbage-core");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
