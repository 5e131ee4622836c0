package io.chatgateway.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.auth.BearerCredentials;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.JarProcess;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * No message lost, as production would fail: a shared core, Redis and three gateways, each a process
 * of the packaged jar; 30 devices in one room spread over the gateways; a publisher sending a steady
 * stream through a gateway and retrying each event with its {@code client_event_id} until acked.
 * During the run device connections blip (they resume on the same gateway), one gateway is killed
 * with SIGKILL (its devices resume on the others), Redis is killed and started again, and the core
 * is killed and started again from its journal ({@code CORE_DATA_FILE}). Devices
 * do what the README tells a device to do: reconnect with the resume token of their last {@code
 * ready} and the position of the newest event they hold. Afterwards every device holds every stored
 * event exactly once, in sequence order, and every acked send is stored once.
 */
class DeliveryChaosIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  private static final int DEVICES = 30;
  private static final String ROOM = "chaos";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final List<JarProcess> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** A device across its connections: the events of every connection, and how to come back. */
  private final class Device {
    final String profile;
    final List<DeviceClient> connections = new ArrayList<>();
    String resumeToken = "";
    int gateway;

    Device(String profile, int gateway) {
      this.profile = profile;
      this.gateway = gateway;
    }

    /** Connects to {@code gateway}, presenting the resume token and its position in the room. */
    void connect(int to) {
      gateway = to;
      DeviceClient client = DeviceClient.connect(channels.get(to), TestTokens.valid(profile, "phone"), profile + "@" + to);
      connections.add(client);
      ReadyEvent ready = client.hello(HelloFrame.newBuilder().setResumeToken(resumeToken).putPositions(ROOM, position()).addCapabilities("batch").build());
      resumeToken = ready.getResumeToken();
    }

    /** Sends one message on the current stream and waits for its ack; returns the stored sequence. */
    long sendAndAwaitAck(String clientEventId) {
      String frameId = DeviceClient.frameId();
      current()
          .send(
              io.chatgateway.proto.v1.ConnectRequest.newBuilder()
                  .setFrameId(frameId)
                  .setSend(
                      io.chatgateway.proto.v1.SendFrame.newBuilder()
                          .addEvents(
                              RoomEvent.newBuilder()
                                  .setRoomId(ROOM)
                                  .setType(EventType.EVENT_TYPE_MESSAGE)
                                  .setClientEventId(clientEventId)
                                  .setText(TextPayload.newBuilder().setText(clientEventId)))));
      return current().await(e -> e.getFrameId().equals(frameId) && e.hasAck(), "ack of " + clientEventId).getAck().getSequence();
    }

    DeviceClient current() {
      return connections.get(connections.size() - 1);
    }

    List<Long> sequences() {
      List<Long> all = new ArrayList<>();
      for (DeviceClient client : connections) {
        for (ServerEvent event : client.events()) {
          if (event.hasRoomEvent()) {
            all.add(event.getRoomEvent().getSequence());
          }
        }
      }
      return all;
    }

    long position() {
      List<Long> all = sequences();
      return all.isEmpty() ? 0 : all.get(all.size() - 1);
    }
  }

  /** Sends events one at a time; each is retried with its client_event_id until acked. */
  private final class Publisher implements Runnable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final AtomicInteger failures = new AtomicInteger();
    final ChatServiceGrpc.ChatServiceBlockingStub stub;

    Publisher(ManagedChannel channel) {
      this.stub = ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(BearerCredentials.of(TestTokens.valid("publisher", "server")));
    }

    @Override
    public void run() {
      for (int n = 0; running.get(); n++) {
        String id = "p-" + n;
        RoomEvent event = RoomEvent.newBuilder().setRoomId(ROOM).setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId(id).setText(TextPayload.newBuilder().setText(id)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!acked.containsKey(id) && System.nanoTime() < deadline) {
          try {
            acked.put(id, stub.withDeadlineAfter(2, TimeUnit.SECONDS).sendEvent(SendEventRequest.newBuilder().setRoomId(ROOM).setEvent(event).build()).getEvent().getSequence());
          } catch (StatusRuntimeException e) {
            failures.incrementAndGet();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // paces retries, waits for nothing
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // about 20 events a second
      }
    }

    void awaitMore(int count, String during) {
      int target = acked.size() + count;
      Await.until(WAIT, () -> acked.size() >= target, () -> "publisher: " + count + " more acks " + during + "; have " + acked.size() + ", failures " + failures.get());
    }
  }

  /** Devices whose stream the gateway ended (a fill that could not reach the core) come back, as a device would. */
  private void reconnectClosed(List<Device> devices) {
    for (Device device : devices) {
      if (device.current().closedWith() != null && device.gateway != 2) {
        device.connect(device.gateway);
      }
    }
  }

  @Test
  void everyDeviceGetsEveryStoredEventOnceInOrderThroughBlipsAGatewayKillAndRedisAndCoreRestarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path data) throws Exception {
    List<Device> devices = new ArrayList<>();
    Publisher publisher = null;
    Thread publishing = null;
    try {
      int corePort = JarProcess.freePort();
      Map<String, String> coreEnv = Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", Integer.toString(corePort), "CORE_DATA_FILE", data.resolve("core.journal").toString());
      JarProcess core = JarProcess.start(coreEnv, "core");
      processes.add(core);
      core.awaitOutput("chat core listening on port " + corePort, Duration.ofSeconds(60));
      for (String id : List.of("gw-a", "gw-b", "gw-c")) {
        int grpcPort = JarProcess.freePort();
        processes.add(JarProcess.startGateway(id, grpcPort, redis.cacheUri(), corePort));
        channels.add(NettyChannelBuilder.forAddress("localhost", grpcPort).usePlaintext().build());
      }
      CreateRoomRequest.Builder room = CreateRoomRequest.newBuilder().setRoomId(ROOM).setName(ROOM);
      for (int i = 0; i < DEVICES; i++) {
        room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("dev-" + i));
      }
      ChatServiceGrpc.newBlockingStub(channels.get(0)).withCallCredentials(BearerCredentials.of(TestTokens.valid("publisher", "server"))).createRoom(room.build());
      for (int i = 0; i < DEVICES; i++) {
        Device device = new Device("dev-" + i, i % 3);
        device.connect(device.gateway);
        devices.add(device);
      }

      publisher = new Publisher(channels.get(0));
      publishing = new Thread(publisher, "chaos-publisher");
      publishing.start();
      publisher.awaitMore(20, "at the start");

      Map<String, Long> deviceSends = new HashMap<>();
      for (Device device : devices.subList(0, 10)) { // blips: resume on the same gateway
        long acked = device.sendAndAwaitAck(device.profile + "-x");
        device.current().close();
        device.current().awaitClosed(); // nothing more arrives on it: its events are the device's position
        device.connect(device.gateway);
        // As if the ack had been lost with the connection: the same send again, after the reconnect.
        assertEquals(acked, device.sendAndAwaitAck(device.profile + "-x"), "the retry is acked with the stored event");
        deviceSends.put(device.profile + "-x", acked);
      }
      publisher.awaitMore(20, "after the blips");

      processes.get(3).kill(); // gw-c, SIGKILL
      for (Device device : devices) {
        if (device.gateway == 2) {
          device.current().awaitClosed();
          device.connect(device.profile.hashCode() % 2 == 0 ? 0 : 1);
        }
      }
      publisher.awaitMore(20, "after gw-c was killed");

      redis.server().stop();
      Publisher sending = publisher;
      int failuresBefore = sending.failures.get();
      Await.until(WAIT, () -> sending.failures.get() >= failuresBefore + 5, "sends failing while Redis is away");
      redis.server().restart();
      publisher.awaitMore(40, "after Redis came back");

      core.kill(); // SIGKILL: the core comes back from its journal
      JarProcess restarted = JarProcess.start(coreEnv, "core");
      processes.add(restarted);
      restarted.awaitOutput("chat core listening on port " + corePort, Duration.ofSeconds(60));
      assertTrue(restarted.output().contains("1 rooms recovered"), restarted.output());
      publisher.awaitMore(40, "after the core came back");
      reconnectClosed(devices);

      publisher.running.set(false);
      publishing.join(TimeUnit.SECONDS.toMillis(40));
      ChatServiceGrpc.ChatServiceBlockingStub reader =
          ChatServiceGrpc.newBlockingStub(channels.get(1)).withCallCredentials(BearerCredentials.of(TestTokens.valid("publisher", "server")));
      long last = reader.getRoom(GetRoomRequest.newBuilder().setRoomId(ROOM).build()).getRoom().getLastSequence();
      List<Long> all = LongStream.rangeClosed(1, last).boxed().toList();
      for (Device device : devices) {
        Await.until(
            WAIT,
            () -> {
              reconnectClosed(List.of(device));
              return device.position() >= last;
            },
            () -> device.profile + " reaching " + last + "; at " + device.position() + " on gateway " + device.gateway + ", stream " + device.current().closedWith());
        assertEquals(all, device.sequences(), device.profile + " holds every event once, in order");
      }

      Map<String, Integer> stored = new HashMap<>();
      long after = 0;
      for (boolean more = true; more; ) {
        GetHistoryResponse page = reader.getHistory(GetHistoryRequest.newBuilder().setRoomId(ROOM).setAfterSequence(after).setPageSize(200).build());
        for (RoomEvent event : page.getEventsList()) {
          stored.merge(event.getClientEventId(), 1, Integer::sum);
          after = event.getSequence();
        }
        more = page.getHasMore();
      }
      for (String acked : publisher.acked.keySet()) {
        assertEquals(1, stored.getOrDefault(acked, 0), "acked send " + acked + " stored once");
      }
      for (String acked : deviceSends.keySet()) {
        assertEquals(1, stored.getOrDefault(acked, 0), "a device's send retried after a reconnect is stored once: " + acked);
      }
      assertTrue(publisher.acked.size() >= 100, "enough traffic to mean something: " + publisher.acked.size());
    } finally {
      if (publisher != null) {
        publisher.running.set(false);
      }
      if (publishing != null) {
        publishing.join(TimeUnit.SECONDS.toMillis(40));
      }
      devices.forEach(device -> device.connections.forEach(DeviceClient::close));
      channels.forEach(ManagedChannel::shutdownNow);
      for (JarProcess process : processes) {
        process.close();
      }
    }
  }
}
