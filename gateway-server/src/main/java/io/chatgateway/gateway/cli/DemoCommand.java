package io.chatgateway.gateway.cli;

import io.chatgateway.device.BearerCredentials;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;

/**
 * {@code demo [--target localhost:50051]}: a tiny client built on the generated stubs. As "alice" it
 * creates a room with "bob"; "bob" opens a device stream and subscribes; "alice" sends a message,
 * which "bob" receives live; then "bob" reads the history. Tokens are minted
 * like {@link TokenCommand} does, so it works against a development-mode or HMAC-configured gateway.
 */
public final class DemoCommand {

  private DemoCommand() {}

  public static void run(List<String> args, Map<String, String> environment, PrintStream out) throws InterruptedException {
    CommandLine options = new CommandLine(args, Set.of("target"));
    String target = options.get("target", "localhost:" + environment.getOrDefault("GRPC_PORT", "50051"));
    String aliceToken = TokenCommand.mint(List.of("--sub", "alice", "--device", "demo-cli"), environment);
    String bobToken = TokenCommand.mint(List.of("--sub", "bob", "--device", "demo-cli"), environment);
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      ChatServiceGrpc.ChatServiceBlockingStub alice =
          ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(BearerCredentials.of(aliceToken)).withDeadlineAfter(10, TimeUnit.SECONDS);
      ChatServiceGrpc.ChatServiceBlockingStub bob =
          ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(BearerCredentials.of(bobToken)).withDeadlineAfter(10, TimeUnit.SECONDS);
      Room room =
          alice
              .createRoom(
                  CreateRoomRequest.newBuilder()
                      .setRoomId("demo-" + UUID.randomUUID().toString().substring(0, 8))
                      .setName("Demo room")
                      .setVisibility(RoomVisibility.ROOM_VISIBILITY_PUBLIC)
                      .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("bob"))
                      .build())
              .getRoom();
      out.println("alice created room " + room.getId() + " with " + room.getMemberCount() + " members");

      // bob holds a device stream, as a phone would, and receives alice's message live.
      BlockingQueue<ServerEvent> bobEvents = new LinkedBlockingQueue<>();
      StreamObserver<ConnectRequest> bobStream =
          ChatServiceGrpc.newStub(channel)
              .withCallCredentials(BearerCredentials.of(bobToken))
              .connect(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ServerEvent event) {
                      bobEvents.add(event);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      bobStream.onNext(ConnectRequest.newBuilder().setHello(HelloFrame.newBuilder().setUserAgent("demo-cli")).build());
      ServerEvent ready = next(bobEvents, ServerEvent::hasReady, "ready");
      out.println("bob connected: session " + ready.getReady().getSessionId() + " on gateway " + ready.getReady().getGatewayId());
      bobStream.onNext(ConnectRequest.newBuilder().setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room.getId())).build());
      next(bobEvents, ServerEvent::hasSubscribed, "subscribed");

      RoomEvent sent =
          alice
              .sendEvent(
                  SendEventRequest.newBuilder()
                      .setRoomId(room.getId())
                      .setEvent(
                          RoomEvent.newBuilder()
                              .setType(EventType.EVENT_TYPE_MESSAGE)
                              .setClientEventId(UUID.randomUUID().toString())
                              .setText(TextPayload.newBuilder().setText("hello from alice")))
                      .build())
              .getEvent();
      out.println("alice sent event " + sent.getId() + " (sequence " + sent.getSequence() + ")");
      RoomEvent live = next(bobEvents, ServerEvent::hasRoomEvent, "the live message").getRoomEvent();
      out.println("bob received live: #" + live.getSequence() + " " + live.getSenderProfileId() + ": " + live.getText().getText());
      bobStream.onCompleted();
      GetHistoryResponse history = bob.getHistory(GetHistoryRequest.newBuilder().setRoomId(room.getId()).build());
      out.println("bob reads the history of " + room.getId() + ":");
      for (RoomEvent event : history.getEventsList()) {
        String body = event.hasText() ? event.getText().getText() : event.getType().name();
        out.println("  #" + event.getSequence() + " " + event.getSenderProfileId() + ": " + body);
      }
    } catch (io.grpc.StatusRuntimeException e) {
      Status status = e.getStatus();
      throw new IllegalStateException("demo call failed: " + status.getCode() + " " + status.getDescription(), e);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ServerEvent next(BlockingQueue<ServerEvent> events, Predicate<ServerEvent> wanted, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      ServerEvent event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (event == null) {
        throw new IllegalStateException("no " + what + " from the gateway within 10 s");
      }
      if (event.hasError()) {
        throw new IllegalStateException("gateway error while waiting for " + what + ": " + event.getError().getMessage());
      }
      if (wanted.test(event)) {
        return event;
      }
    }
  }
}
