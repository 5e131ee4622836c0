package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceTokens;
import io.chatgateway.bench.process.ChildProcess;
import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.bench.process.ProcessProbe;
import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.ScenarioResult;
import io.chatgateway.device.BearerCredentials;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Memory of following rooms ({@code follow_rooms}): R rooms whose members are 3 x D profiles; D
 * devices connect without following (say hello, subscribe nothing), then two waves of D that
 * follow, each ending up subscribed to all R rooms. The gateway's memory after a full GC after each
 * step gives what a session costs by itself, what each room it follows adds (from the second wave:
 * the first also pays for making the rooms active here), and what an active room costs once.
 */
public final class FollowMemory {

  /** What to run. */
  public record Options(int devices, int rooms, Path gatewayJar) {}

  private FollowMemory() {}

  public static ScenarioResult run(Options options, Consumer<String> progress) {
    int port = ChildProcess.freePort();
    try (GatewayProcess gateway = GatewayProcess.start(options.gatewayJar(), port, Map.of("MAX_FOLLOWED_ROOMS", Integer.toString(Math.max(5_000, options.rooms()))))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      List<AtomicReference<String>> failures = new ArrayList<>();
      List<ManagedChannel> devices = new ArrayList<>();
      try {
        createRooms(channel, options);
        ProcessProbe.awaitQuiet(gateway.process().pid(), Duration.ofSeconds(60));
        ProcessProbe.Memory start = ProcessProbe.memory(gateway.process().pid());
        AtomicInteger plainReady = new AtomicInteger();
        for (int d = 0; d < options.devices(); d++) {
          connect(devices, port, profile(d), HelloFrame.getDefaultInstance(), 0, plainReady, failures);
        }
        await(plainReady, options.devices(), failures, "plain devices ready");
        ProcessProbe.awaitQuiet(gateway.process().pid(), Duration.ofSeconds(60));
        ProcessProbe.Memory plain = ProcessProbe.memory(gateway.process().pid());
        HelloFrame follow = HelloFrame.newBuilder().addCapabilities("follow_rooms").addCapabilities("batch").build();
        // The first wave also makes every room active here (its recent events, fan-out entry,
        // engine subscription): costs of the room, not of each session that follows it.
        ProcessProbe.Memory[] waves = new ProcessProbe.Memory[2];
        double followSeconds = 0;
        for (int wave = 0; wave < 2; wave++) {
          AtomicInteger followersDone = new AtomicInteger();
          long followStart = System.nanoTime();
          for (int d = (1 + wave) * options.devices(); d < (2 + wave) * options.devices(); d++) {
            connect(devices, port, profile(d), follow, options.rooms(), followersDone, failures);
          }
          await(followersDone, options.devices(), failures, "followers subscribed to every room");
          followSeconds = (System.nanoTime() - followStart) / 1e9;
          ProcessProbe.awaitQuiet(gateway.process().pid(), Duration.ofSeconds(60));
          waves[wave] = ProcessProbe.memory(gateway.process().pid());
        }
        double perSession = (double) (plain.jvmBytes() - start.jvmBytes()) / options.devices();
        double perFollowedRoom = ((waves[1].jvmBytes() - waves[0].jvmBytes()) - (plain.jvmBytes() - start.jvmBytes())) / ((double) options.devices() * options.rooms());
        double perFollowedRoomHeap =
            ((waves[1].heapAfterGcBytes() - waves[0].heapAfterGcBytes()) - (plain.heapAfterGcBytes() - start.heapAfterGcBytes())) / ((double) options.devices() * options.rooms());
        double perActiveRoom = ((waves[0].jvmBytes() - plain.jvmBytes()) - (waves[1].jvmBytes() - waves[0].jvmBytes())) / (double) options.rooms();
        progress.accept(String.format(Locale.ROOT,
            "follow: %d devices x %d rooms followed in %.1f s; %.0f bytes per session, %.0f bytes per followed room per session, %.0f bytes per room active here",
            options.devices(), options.rooms(), followSeconds, perSession, perFollowedRoom, perActiveRoom));
        return report(options, start, plain, waves, perSession, perFollowedRoom, perFollowedRoomHeap, perActiveRoom, followSeconds);
      } finally {
        channel.shutdownNow();
        devices.forEach(ManagedChannel::shutdownNow);
      }
    }
  }

  private static String profile(int device) {
    return "follower-" + device;
  }

  private static void createRooms(ManagedChannel channel, Options options) {
    ChatServiceGrpc.ChatServiceBlockingStub owner = ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(BearerCredentials.of(DeviceTokens.token("bench-owner")));
    for (int r = 0; r < options.rooms(); r++) {
      CreateRoomRequest.Builder room = CreateRoomRequest.newBuilder().setRoomId(String.format("followed-%05d", r)).setName("followed " + r);
      for (int d = 0; d < 3 * options.devices(); d++) {
        room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId(profile(d)));
      }
      owner.createRoom(room.build());
    }
  }

  /** Opens a device; counts it in {@code done} once ready and subscribed to {@code rooms} rooms. */
  private static void connect(
      List<ManagedChannel> channels, int port, String profile, HelloFrame hello, int rooms, AtomicInteger done, List<AtomicReference<String>> failures) {
    // Each device its own connection, as phones have: the gateway bounds streams per connection.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(channel);
    AtomicReference<String> failure = new AtomicReference<>();
    failures.add(failure);
    AtomicInteger subscribed = new AtomicInteger();
    StreamObserver<ConnectRequest> requests =
        ChatServiceGrpc.newStub(channel).withCallCredentials(BearerCredentials.of(DeviceTokens.token(profile))).connect(new StreamObserver<>() {
          @Override
          public void onNext(ServerEvent event) {
            if (event.hasBatch()) {
              event.getBatch().getEventsList().forEach(this::onNext);
            } else if (event.hasReady() && rooms == 0) {
              done.incrementAndGet();
            } else if (event.hasSubscribed() && subscribed.addAndGet(event.getSubscribed().getResultsCount()) == rooms) {
              done.incrementAndGet();
            } else if (event.hasError()) {
              failure.compareAndSet(null, event.getError().getMessage());
            }
          }

          @Override
          public void onError(Throwable t) {
            failure.compareAndSet(null, t.toString());
          }

          @Override
          public void onCompleted() {
            failure.compareAndSet(null, "stream ended");
          }
        });
    requests.onNext(ConnectRequest.newBuilder().setHello(hello).build());
  }

  private static void await(AtomicInteger done, int target, List<AtomicReference<String>> failures, String what) {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (done.get() < target) {
      for (AtomicReference<String> failure : failures) {
        if (failure.get() != null) {
          throw new IllegalStateException(what + ": a device failed: " + failure.get());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": " + done.get() + " of " + target + " after 5 minutes");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  private static ScenarioResult report(
      Options options, ProcessProbe.Memory start, ProcessProbe.Memory plain, ProcessProbe.Memory[] waves, double perSession, double perFollowedRoom,
      double perFollowedRoomHeap, double perActiveRoom, double followSeconds) {
    String md = String.format(Locale.ROOT,
        "## Following rooms\n\n%d rooms, each with the same %d member profiles. %d devices connect without following, then two waves of %d that follow "
            + "their rooms (`follow_rooms`: the gateway lists and subscribes all %d rooms for each). Memory of the gateway after a full GC (heap + NMT \"Other\"). "
            + "The first wave also makes each room active on the gateway (recent events, fan-out entry), which the second does not pay again.\n\n"
            + "| step | heap (MB) | direct (MB) | heap+direct (MB) |\n|---|---:|---:|---:|\n"
            + "| rooms created | %.1f | %.1f | %.1f |\n| + %d plain sessions | %.1f | %.1f | %.1f |\n| + %d following sessions | %.1f | %.1f | %.1f |\n"
            + "| + %d more following sessions | %.1f | %.1f | %.1f |\n\n"
            + "A session by itself: **%,.0f bytes**; each room it follows adds **%,.0f bytes** (heap alone %,.0f; second wave: %d sessions x %d rooms, "
            + "followed in %.1f s); a room active on the gateway costs %,.0f bytes once, whoever follows it (the difference of two waves: within the "
            + "direct-memory noise of a few MB when it is small).\n",
        options.rooms(), 3 * options.devices(), options.devices(), options.devices(), options.rooms(),
        mb(start.heapAfterGcBytes()), mb(start.directBytes()), mb(start.jvmBytes()),
        options.devices(), mb(plain.heapAfterGcBytes()), mb(plain.directBytes()), mb(plain.jvmBytes()),
        options.devices(), mb(waves[0].heapAfterGcBytes()), mb(waves[0].directBytes()), mb(waves[0].jvmBytes()),
        options.devices(), mb(waves[1].heapAfterGcBytes()), mb(waves[1].directBytes()), mb(waves[1].jvmBytes()),
        perSession, perFollowedRoom, perFollowedRoomHeap, options.devices(), options.rooms(), followSeconds, perActiveRoom);
    JsonObject json = new JsonObject().put("devices", options.devices()).put("rooms", options.rooms()).put("bytesPerSession", perSession)
        .put("bytesPerFollowedRoomPerSession", perFollowedRoom).put("heapBytesPerFollowedRoomPerSession", perFollowedRoomHeap).put("bytesPerActiveRoom", perActiveRoom).put("secondsToFollow", followSeconds);
    return new ScenarioResult("follow", md, json);
  }

  private static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
