package io.chatgateway.gateway.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.core.ChatCore;
import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which connection to a remote core carries which calls: the devices' unary calls go out on a
 * connection per device event loop (the loop that took the call writes it and reads the answer),
 * the sessions' calls on the core client's own connection, whose I/O thread a storm of devices on
 * the loops cannot hold up. Seen from the core, by the address each call came from.
 */
class ForwardingConnectionsEndToEndTest {

  /** Each call the core served, by where it came from. */
  record Served(String method, SocketAddress from) {}

  static final ConcurrentLinkedQueue<Served> served = new ConcurrentLinkedQueue<>();
  static final CoreServer core = startRecordingCore();

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("CHAT_SERVICE_URI", "localhost:" + core.port()));

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void closeConnections() throws InterruptedException {
    connections.close();
  }

  @AfterAll
  static void stopCore() {
    core.close();
  }

  @Test
  void devicesCallsGoOutOnTheirLoopsConnectionsAndSessionsCallsOnTheClientsOwn() {
    String roomId = gateway.as("owner").createRoom(CreateRoomRequest.newBuilder().setName("routes").build()).getRoom().getId();

    // Unary calls over several device connections, which the gateway deals to its loops in turn.
    served.clear();
    int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
    for (int i = 0; i < 2 * loops; i++) {
      ManagedChannel connection = connections.open(1024 * 1024);
      ChatServiceGrpc.ChatServiceBlockingStub device =
          ChatServiceGrpc.newBlockingStub(connection).withCallCredentials(GatewayExtension.bearer(TestTokens.valid("owner", "d" + i)));
      for (int call = 0; call < 3; call++) {
        assertEquals(roomId, device.getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()).getRoom().getId());
      }
    }
    Set<SocketAddress> forwarded = sources("GetRoom");
    assertTrue(forwarded.size() >= 2 && forwarded.size() <= loops, "one connection per device loop carried the devices' calls: " + forwarded);

    // A session's calls: its send, made on the same loops.
    served.clear();
    DeviceClient device = connections.device(TestTokens.valid("owner", "phone"), "phone");
    device.hello();
    device.send(
        ConnectRequest.newBuilder()
            .setFrameId("send-1")
            .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId(roomId).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("routed")))));
    device.await(event -> event.getFrameId().equals("send-1") && event.hasAck(), "the send's ack");
    Set<SocketAddress> sessions = sources("SendEvent");
    assertEquals(1, sessions.size(), "the sessions' calls share the client's own connection: " + sessions);
    assertTrue(Collections.disjoint(sessions, forwarded), "sessions " + sessions + " and devices' calls " + forwarded + " on different connections");
  }

  private static Set<SocketAddress> sources(String method) {
    Set<SocketAddress> from = new HashSet<>();
    List<String> methods = new ArrayList<>();
    for (Served call : served) {
      methods.add(call.method());
      if (call.method().endsWith("/" + method)) {
        from.add(call.from());
      }
    }
    assertTrue(!from.isEmpty(), "the core served " + method + "; it served " + methods);
    return from;
  }

  private static CoreServer startRecordingCore() {
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            served.add(new Served(call.getMethodDescriptor().getFullMethodName(), call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
            return next.startCall(call, headers);
          }
        };
    try {
      return CoreServer.start(0, new ChatCore(envelope -> {}, Clock.systemUTC(), "routes"), recorder, null, InsecureServerCredentials.create());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
