package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceFleet;
import io.chatgateway.bench.loadgen.DeviceTokens;
import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntSupplier;

/**
 * The room layout the fan-out scenarios share, on one gateway: R rooms, each with P publishing
 * devices (taking turns) and M subscribing ones, every device its own connection. In room {@code r},
 * devices {@code r*(P+M) ..} publish and the rest subscribe; subscriber 0 is the sentinel that paces
 * {@link FanoutTraffic}'s closed loop.
 */
final class GatewayRooms {

  /** Opens subscriber {@code index} (0 = the sentinel) of {@code room}; the default reads and records. */
  interface SubscriberOpener {
    void open(DeviceFleet fleet, FanoutTraffic traffic, int room, int index, String token, List<String> roomIds);
  }

  private static final InetAddress SOURCE = InetAddress.getLoopbackAddress();

  /**
   * Every subscriber reads and records its deliveries; one in ten of a room's subscribers (the
   * second, eleventh, ...: spread over the room's fan-out order) also times them from the core's
   * stamp. A sample, so that the second clock reading costs the harness next to nothing.
   */
  static final SubscriberOpener READING = (fleet, traffic, room, index, token, roomIds) ->
      fleet.open(SOURCE, token, roomIds, index % 10 == 1
          ? (device, event) -> traffic.delivered(room, false, event.getText().getText(), event.getSentTime())
          : (device, event) -> traffic.delivered(room, index == 0, event.getText().getText()));

  private GatewayRooms() {}

  /**
   * Creates the rooms and their members in the gateway's core, opens the publishers on {@code fleet}
   * and the subscribers with {@code subscriberOpener}, waits until {@code subscribed} counts every
   * device, and returns the traffic that publishes into them.
   */
  static FanoutTraffic open(
      GatewayProcess gateway, DeviceFleet fleet, int rooms, int subscribers, int publishers, SubscriberOpener subscriberOpener, IntSupplier subscribed) {
    int roomSize = subscribers + publishers;
    int devices = rooms * roomSize;
    DeviceFleet.Device[] senders = new DeviceFleet.Device[rooms * publishers];
    AtomicIntegerArray turns = new AtomicIntegerArray(rooms);
    FanoutTraffic traffic =
        new FanoutTraffic(rooms, (room, payload) -> senders[room * publishers + turns.getAndIncrement(room) % publishers].publish(List.of(
            RoomEvent.newBuilder().setRoomId(DeviceTokens.room(room * roomSize, roomSize)).setType(EventType.EVENT_TYPE_MESSAGE)
                .setText(TextPayload.newBuilder().setText(payload)).build())));
    gateway.createRooms(devices, roomSize);
    for (int room = 0; room < rooms; room++) {
      int first = room * roomSize;
      for (int p = 0; p < publishers; p++) {
        senders[room * publishers + p] = fleet.open(SOURCE, DeviceTokens.token(DeviceTokens.profile(first + p)), List.of(), (d, e) -> {});
      }
      for (int s = 0; s < subscribers; s++) {
        int device = first + publishers + s;
        subscriberOpener.open(fleet, traffic, room, s, DeviceTokens.token(DeviceTokens.profile(device)), List.of(DeviceTokens.room(device, roomSize)));
      }
    }
    try {
      gateway.process().awaitCondition(devices + " devices subscribed", Duration.ofMinutes(2), () -> subscribed.getAsInt() >= devices);
    } catch (IllegalStateException e) {
      // What the devices saw says why (a refused subscription, a cut session, a lost stream).
      throw new IllegalStateException(e.getMessage() + "\n" + subscribed.getAsInt() + " of " + devices + " subscribed; gRPC device failures "
          + fleet.errors() + ", first of each: " + fleet.errorSamples(), e);
    }
    return traffic;
  }
}
