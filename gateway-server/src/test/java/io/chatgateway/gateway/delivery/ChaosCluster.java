package io.chatgateway.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.device.BearerCredentials;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.JarProcess;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What the chaos tests break, shaped as production runs it: a core process with its journal
 * ({@code CORE_DATA_FILE}), Redis, and three gateway processes ({@code gw-a}, {@code gw-b}, {@code
 * gw-c}) of the packaged jar; one room whose members are {@code dev-0..dev-(n-1)}; a publisher
 * that sends a steady stream through gw-a, retrying each event with its {@code client_event_id}
 * until acked; and the checks on what the core stored.
 */
final class ChaosCluster implements AutoCloseable {

  static final String ROOM = "chaos";
  static final Duration WAIT = Duration.ofSeconds(60);

  private final RedisExtension redis;
  private final Map<String, String> coreEnv;
  private final int corePort;
  private final List<JarProcess> processes = new ArrayList<>();
  private final List<JarProcess> gateways = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();
  private Publisher publisher;
  private Thread publishing;
  private JarProcess core;

  private ChaosCluster(RedisExtension redis, Path data) throws java.io.IOException {
    this.redis = redis;
    this.corePort = JarProcess.freePort();
    this.coreEnv = Map.of("CACHE_URI", redis.cacheUri(), "CORE_TRUST_NETWORK", "true", "CORE_PORT", Integer.toString(corePort), "CORE_DATA_FILE", data.resolve("core.journal").toString());
  }

  /** Starts the core and the gateways, and makes the room with {@code members} devices' profiles as members. */
  static ChaosCluster start(RedisExtension redis, Path data, int members) throws Exception {
    ChaosCluster cluster = new ChaosCluster(redis, data);
    try {
      cluster.startCore();
      for (String id : List.of("gw-a", "gw-b", "gw-c")) {
        int grpcPort = JarProcess.freePort();
        JarProcess gateway = JarProcess.startGateway(id, grpcPort, redis.cacheUri(), cluster.corePort);
        cluster.processes.add(gateway);
        cluster.gateways.add(gateway);
        cluster.channels.add(NettyChannelBuilder.forAddress("localhost", grpcPort).usePlaintext().build());
      }
      CreateRoomRequest.Builder room = CreateRoomRequest.newBuilder().setRoomId(ROOM).setName(ROOM);
      for (int i = 0; i < members; i++) {
        room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("dev-" + i));
      }
      cluster.stub(0).createRoom(room.build());
      return cluster;
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  private void startCore() throws Exception {
    core = JarProcess.start(coreEnv, "core");
    processes.add(core);
    core.awaitOutput("chat core listening on port " + corePort, WAIT);
  }

  /** A stub on gateway {@code gateway} as the publisher's profile (a member through room creation). */
  ChatServiceGrpc.ChatServiceBlockingStub stub(int gateway) {
    return ChatServiceGrpc.newBlockingStub(channels.get(gateway)).withCallCredentials(BearerCredentials.of(TestTokens.valid("publisher", "server")));
  }

  void startPublishing() {
    publisher = new Publisher(stub(0));
    publishing = new Thread(publisher, "chaos-publisher");
    publishing.start();
  }

  /** Waits until the publisher has {@code count} more acks. */
  void awaitPublished(int count, String during) {
    publisher.awaitMore(count, during);
  }

  /** Stops the publisher; returns the client_event_ids it had acked. */
  Collection<String> stopPublishing() throws InterruptedException {
    publisher.running.set(false);
    publishing.join(TimeUnit.SECONDS.toMillis(40));
    assertTrue(publisher.acked.size() >= 100, "enough traffic to mean something: " + publisher.acked.size());
    return publisher.acked.keySet();
  }

  /** SIGKILLs gateway {@code index}. */
  void killGateway(int index) throws InterruptedException {
    gateways.get(index).kill();
  }

  /** Stops Redis until sends through it fail, then starts it again. */
  void restartRedis() throws Exception {
    redis.server().stop();
    int failuresBefore = publisher.failures.get();
    Await.until(WAIT, () -> publisher.failures.get() >= failuresBefore + 5, "sends failing while Redis is away");
    redis.server().restart();
  }

  /** SIGKILLs the core and starts it again from its journal. */
  void restartCore() throws Exception {
    core.kill();
    startCore();
    assertTrue(core.output().contains("1 rooms recovered"), core.output());
  }

  /** The sequence of the room's newest stored event. */
  long lastSequence() {
    return stub(1).getRoom(GetRoomRequest.newBuilder().setRoomId(ROOM).build()).getRoom().getLastSequence();
  }

  /** Checks that every id of {@code acked} names exactly one stored event of the room. */
  void assertStoredOnce(Collection<String> acked, String what) {
    Map<String, Integer> stored = new HashMap<>();
    long after = 0;
    for (boolean more = true; more; ) {
      GetHistoryResponse page = stub(1).getHistory(GetHistoryRequest.newBuilder().setRoomId(ROOM).setAfterSequence(after).setPageSize(200).build());
      for (RoomEvent event : page.getEventsList()) {
        stored.merge(event.getClientEventId(), 1, Integer::sum);
        after = event.getSequence();
      }
      more = page.getHasMore();
    }
    for (String id : acked) {
      assertEquals(1, stored.getOrDefault(id, 0), what + " " + id + " stored once");
    }
  }

  @Override
  public void close() throws Exception {
    if (publisher != null) {
      publisher.running.set(false);
      publishing.join(TimeUnit.SECONDS.toMillis(40));
    }
    channels.forEach(ManagedChannel::shutdownNow);
    for (JarProcess process : processes) {
      process.close();
    }
  }

  /** Sends events one at a time; each is retried with its client_event_id until acked. */
  private static final class Publisher implements Runnable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final AtomicInteger failures = new AtomicInteger();
    final ChatServiceGrpc.ChatServiceBlockingStub stub;

    Publisher(ChatServiceGrpc.ChatServiceBlockingStub stub) {
      this.stub = stub;
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
}
