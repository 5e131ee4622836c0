package io.chatgateway.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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
  private static final String ROOM = ChaosCluster.ROOM;

  private ChaosCluster cluster;

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
      DeviceClient client = DeviceClient.connect(cluster.channels.get(to), TestTokens.valid(profile, "phone"), profile + "@" + to);
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

  /** Devices whose stream the gateway ended (a fill that could not reach the core) come back, as a device would. */
  private void reconnectClosed(List<Device> devices) {
    for (Device device : devices) {
      if (device.current().closedWith() != null && device.gateway != 2) {
        device.connect(device.gateway);
      }
    }
  }

  @Test
  void everyDeviceGetsEveryStoredEventOnceInOrderThroughBlipsAGatewayKillAndRedisAndCoreRestarts(@TempDir Path data) throws Exception {
    List<Device> devices = new ArrayList<>();
    try {
      cluster = ChaosCluster.start(redis, data, DEVICES);
      for (int i = 0; i < DEVICES; i++) {
        Device device = new Device("dev-" + i, i % 3);
        device.connect(device.gateway);
        devices.add(device);
      }
      cluster.startPublishing();
      cluster.awaitPublished(20, "at the start");

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
      cluster.awaitPublished(20, "after the blips");

      cluster.killGateway(2); // gw-c, SIGKILL
      for (Device device : devices) {
        if (device.gateway == 2) {
          device.current().awaitClosed();
          device.connect(device.profile.hashCode() % 2 == 0 ? 0 : 1);
        }
      }
      cluster.awaitPublished(20, "after gw-c was killed");

      cluster.restartRedis();
      cluster.awaitPublished(40, "after Redis came back");

      cluster.restartCore(); // SIGKILL: the core comes back from its journal
      cluster.awaitPublished(40, "after the core came back");
      reconnectClosed(devices);

      Collection<String> published = cluster.stopPublishing();
      long last = cluster.lastSequence();
      List<Long> all = LongStream.rangeClosed(1, last).boxed().toList();
      for (Device device : devices) {
        Await.until(
            ChaosCluster.WAIT,
            () -> {
              reconnectClosed(List.of(device));
              return device.position() >= last;
            },
            () -> device.profile + " reaching " + last + "; at " + device.position() + " on gateway " + device.gateway + ", stream " + device.current().closedWith());
        assertEquals(all, device.sequences(), device.profile + " holds every event once, in order");
      }
      cluster.assertStoredOnce(published, "acked publish");
      cluster.assertStoredOnce(deviceSends.keySet(), "a device's send retried after a reconnect:");
    } finally {
      devices.forEach(device -> device.connections.forEach(DeviceClient::close));
      if (cluster != null) {
        cluster.close();
      }
    }
  }
}
