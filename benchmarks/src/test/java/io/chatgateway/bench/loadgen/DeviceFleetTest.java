package io.chatgateway.bench.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.bench.reference.BareGrpcServer;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fleet's devices over real gRPC connections to a minimal Connect server. */
class DeviceFleetTest {

  /**
   * Devices are spread evenly over the fleet's event-loop threads. grpc-java takes a channel's loop
   * from the group it is given, and draws from it for its own timers too, so with a group of two
   * every device's connection ended up on the same thread: one thread read for the whole fleet.
   */
  @Test
  void devicesAreSpreadEvenlyOverTheFleetsThreads() throws Exception {
    Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new MinimalConnect()).build().start();
    int devices = 8;
    Map<String, Integer> devicesPerThread = new ConcurrentHashMap<>();
    CountDownLatch delivered = new CountDownLatch(devices);
    try (DeviceFleet fleet = new DeviceFleet(new InetSocketAddress("127.0.0.1", server.getPort()), 2, false)) {
      for (int i = 0; i < devices; i++) {
        fleet.open(InetAddress.getLoopbackAddress(), "token", List.of("room-" + i), (device, event) -> {
          devicesPerThread.merge(Thread.currentThread().getName(), 1, Integer::sum);
          delivered.countDown();
        });
      }
      assertEquals(true, delivered.await(20, TimeUnit.SECONDS), "every device got its room's event");
      assertEquals(List.of(4, 4), List.copyOf(new TreeMap<>(devicesPerThread).values()), "devices per event-loop thread: " + devicesPerThread);
      assertEquals(0, fleet.errorCount());
    } finally {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** The bare reference server, which also sends one event into each room it confirms a subscription to. */
  private static final class MinimalConnect extends ChatServiceGrpc.ChatServiceImplBase {
    private final ChatServiceGrpc.ChatServiceImplBase bare = BareGrpcServer.service();

    @Override
    public StreamObserver<ConnectRequest> connect(StreamObserver<ServerEvent> responses) {
      return bare.connect(new StreamObserver<>() {
        @Override
        public void onNext(ServerEvent event) {
          responses.onNext(event);
          for (RoomSubscriptionResult result : event.getSubscribed().getResultsList()) {
            responses.onNext(ServerEvent.newBuilder().setRoomEvent(RoomEvent.newBuilder().setRoomId(result.getRoomId()).setSequence(1)).build());
          }
        }

        @Override
        public void onError(Throwable t) {
          responses.onError(t);
        }

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      });
    }
  }
}
