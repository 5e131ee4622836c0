package io.chatgateway.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.cli.CoreCommand;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.testing.JarProcess;
import io.chatgateway.gateway.testing.NodeScripts;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser device client ({@code /client/chat-client.js}) in headless Chromium, through a
 * server-side close: the gateway drains (every session is told to reconnect, then closed with
 * 1001) and stops, messages go on being stored while it is away, and a new gateway starts on the
 * same port. The core and Redis outlive it. The page's client must come back by itself and hand its
 * listener every message exactly once, in order.
 */
class BrowserClientIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  private static final String ROOM = "browser-restart";

  @TempDir Path home;

  @Test
  void theBrowserClientMissesNothingThroughAGatewayDrainAndRestart() throws Exception {
    NodeScripts playwright = NodeScripts.playwright();
    try (CoreCommand.Running core = CoreCommand.start(Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", "0", "CORE_TRUST_NETWORK", "true"))) {
      ManagedChannel coreChannel = NettyChannelBuilder.forAddress("localhost", core.port()).usePlaintext().build();
      Metadata identity = new Metadata();
      new CallerIdentity("alice", "test").writeTo(identity);
      ChatServiceGrpc.ChatServiceBlockingStub alice = ChatServiceGrpc.newBlockingStub(coreChannel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(identity));
      alice.createRoom(CreateRoomRequest.newBuilder().setRoomId(ROOM).setName(ROOM).addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("bob")).build());

      int httpPort = JarProcess.freePort();
      Map<String, String> env =
          Map.of(
              "GRPC_PORT", "0",
              "HTTP_PORT", Integer.toString(httpPort),
              "DEV_SECRET_FILE", home.resolve("secret").toString(),
              "CHAT_SERVICE_URI", "localhost:" + core.port(),
              "CACHE_URI", redis.cacheUri());
      GatewayServer first = GatewayServer.start(GatewayConfig.fromEnvironment(env));
      GatewayServer second = null;
      NodeScripts.Run page = playwright.node("client-through-restart.mjs", "http://localhost:" + httpPort, ROOM);
      try {
        page.awaitOutput("SUBSCRIBED", Duration.ofSeconds(60));
        int sent = 0;
        for (; sent < 10; sent++) {
          send(alice, sent);
        }
        CompletableFuture<Void> draining = CompletableFuture.runAsync(() -> first.shutdown(Duration.ofSeconds(2)));
        for (; sent < 20; sent++) {
          send(alice, sent); // while the gateway drains, and after it is gone
        }
        draining.get();
        for (; sent < 30; sent++) {
          send(alice, sent);
        }
        second = GatewayServer.start(GatewayConfig.fromEnvironment(env));
        for (; sent < 40; sent++) {
          send(alice, sent);
        }
        page.tell("LAST " + sent);
        String output = page.awaitSuccess(90);
        assertTrue(output.contains("BROWSER CLIENT OK"), output);
      } finally {
        page.kill();
        first.close();
        if (second != null) {
          second.close();
        }
        coreChannel.shutdownNow();
      }
    }
  }

  private static void send(ChatServiceGrpc.ChatServiceBlockingStub alice, int n) {
    RoomEvent event = RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("m-" + n).setText(TextPayload.newBuilder().setText("m-" + n)).build();
    alice.sendEvent(SendEventRequest.newBuilder().setRoomId(ROOM).setEvent(event).build());
  }
}
