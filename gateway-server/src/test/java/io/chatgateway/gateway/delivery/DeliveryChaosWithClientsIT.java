package io.chatgateway.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.device.ChatClient;
import io.chatgateway.device.ChatListener;
import io.chatgateway.device.ConnectionState;
import io.chatgateway.device.StateChange;
import io.chatgateway.device.TokenSupplier;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos of {@link DeliveryChaosIT} against devices that are {@link ChatClient}s of the device
 * client library and do nothing but subscribe, listen and send: no reconnect or resume logic of
 * their own. Each device reaches the gateways through a router of its own that plays the load
 * balancer (new connections go to the gateway the test routes it to) and owns the device's TCP
 * connections, so the test can drop them. Connections blip, the gateway holding a third of the
 * devices is killed while they are sending, Redis is restarted. Afterwards every device's listener
 * has every stored event exactly once and in order, and every send made across the kill was acked
 * and stored once.
 */
class DeliveryChaosWithClientsIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  private static final int DEVICES = 30;
  private static final String ROOM = ChaosCluster.ROOM;

  /** The load balancer in front of the gateways, as one device sees it; owns the device's connections. */
  private static final class Router extends Channel {
    private final List<String> targets;
    private final Map<Integer, ManagedChannel> connections = new HashMap<>();
    private volatile int route;

    Router(List<String> targets, int route) {
      this.targets = targets;
      this.route = route;
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      return connection(route).newCall(method, options);
    }

    @Override
    public String authority() {
      return "chat-gateway";
    }

    private synchronized ManagedChannel connection(int gateway) {
      return connections.computeIfAbsent(gateway, g -> NettyChannelBuilder.forTarget(targets.get(g)).usePlaintext().build());
    }

    /** The device's connection drops (a network blip): its streams end, the next call connects anew. */
    synchronized void blip() {
      ManagedChannel dropped = connections.remove(route);
      if (dropped != null) {
        dropped.shutdownNow();
      }
    }

    synchronized void close() {
      connections.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  /** A library client, its router, and what its listener was given. */
  private static final class Device implements ChatListener {
    final String profile;
    final Router router;
    final List<Long> sequences = new ArrayList<>();
    final List<StateChange> states = new ArrayList<>();
    final ChatClient client;

    Device(String profile, Router router) {
      this.profile = profile;
      this.router = router;
      this.client =
          ChatClient.builder()
              .channel(router)
              .tokens(TokenSupplier.fixed(TestTokens.valid(profile, "phone")))
              .userAgent("chaos/" + profile)
              .backoff(Duration.ofMillis(200), Duration.ofSeconds(2))
              .listener(this)
              .build();
    }

    @Override
    public synchronized void onRoomEvent(RoomEvent event) {
      sequences.add(event.getSequence());
    }

    @Override
    public synchronized void onStateChanged(StateChange change) {
      states.add(change);
    }

    synchronized List<Long> sequences() {
      return List.copyOf(sequences);
    }

    synchronized long position() {
      return sequences.isEmpty() ? 0 : sequences.get(sequences.size() - 1);
    }

    synchronized String lastState() {
      return states.isEmpty() ? "none" : states.get(states.size() - 1).toString();
    }

    synchronized long connections() {
      return states.stream().filter(s -> s.state() == ConnectionState.CONNECTED).count();
    }
  }

  @Test
  void libraryClientsGetEveryEventOnceInOrderAndTheirSendsAreStoredOnceThroughBlipsAGatewayKillAndARedisRestart(@TempDir Path data) throws Exception {
    List<Device> devices = new ArrayList<>();
    try (ChaosCluster cluster = ChaosCluster.start(redis, data, DEVICES)) {
      List<String> targets = cluster.channels.stream().map(Channel::authority).toList();
      for (int i = 0; i < DEVICES; i++) {
        Device device = new Device("dev-" + i, new Router(targets, i % 3));
        devices.add(device);
        device.client.connect();
        device.client.subscribe(ROOM).get(30, TimeUnit.SECONDS);
      }
      cluster.startPublishing();
      cluster.awaitPublished(20, "at the start");

      for (Device device : devices.subList(0, 10)) {
        long before = device.connections();
        device.router.blip();
        Await.until(ChaosCluster.WAIT, () -> device.connections() > before, () -> device.profile + " reconnecting after a blip: " + device.lastState());
      }
      cluster.awaitPublished(20, "after the blips");

      // The devices on gw-c send, and go on sending while their gateway dies under them.
      Map<String, CompletableFuture<AckEvent>> sends = new HashMap<>();
      List<Device> onC = devices.stream().filter(d -> d.router.route == 2).toList();
      for (Device device : onC) {
        sends.put(device.profile + "-before", device.client.send(text(device.profile + "-before")));
      }
      cluster.killGateway(2);
      for (Device device : onC) {
        sends.put(device.profile + "-during", device.client.send(text(device.profile + "-during")));
        device.router.route = Integer.parseInt(device.profile.substring(4)) % 2; // the balancer takes gw-c out
      }
      for (Map.Entry<String, CompletableFuture<AckEvent>> send : sends.entrySet()) {
        assertEquals(send.getKey(), send.getValue().get(60, TimeUnit.SECONDS).getClientEventId(), "every send made across the kill is acked");
      }
      cluster.awaitPublished(20, "after gw-c was killed");

      cluster.restartRedis();
      cluster.awaitPublished(40, "after Redis came back");

      Collection<String> published = cluster.stopPublishing();
      long last = cluster.lastSequence();
      List<Long> all = LongStream.rangeClosed(1, last).boxed().toList();
      for (Device device : devices) {
        Await.until(ChaosCluster.WAIT, () -> device.position() >= last, () -> device.profile + " reaching " + last + "; at " + device.position() + ", " + device.lastState());
        assertEquals(all, device.sequences(), device.profile + " was given every event once, in order");
      }
      cluster.assertStoredOnce(published, "acked publish");
      cluster.assertStoredOnce(sends.keySet(), "a library client's send across the gateway kill:");
    } finally {
      devices.forEach(device -> {
        device.client.close();
        device.router.close();
      });
    }
  }

  private static RoomEvent text(String clientEventId) {
    return RoomEvent.newBuilder()
        .setRoomId(ROOM)
        .setType(EventType.EVENT_TYPE_MESSAGE)
        .setClientEventId(clientEventId)
        .setText(TextPayload.newBuilder().setText(clientEventId))
        .build();
  }
}
