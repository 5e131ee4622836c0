package io.chatgateway.gateway.cli;

import io.chatgateway.device.ChatClient;
import io.chatgateway.device.ChatListener;
import io.chatgateway.device.StateChange;
import io.chatgateway.device.TokenSupplier;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.Status;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code demo [--target localhost:50051]}: two devices on the device client library ({@link
 * ChatClient}). "alice" creates a room with "bob"; "bob" subscribes; "alice" sends a message, which
 * "bob" receives live; then "bob" reads the history. Tokens are minted like {@link TokenCommand}
 * does, so it works against a development-mode or HMAC-configured gateway.
 */
public final class DemoCommand {

  private static final int WAIT_SECONDS = 10;

  private DemoCommand() {}

  public static void run(List<String> args, Map<String, String> environment, PrintStream out) throws InterruptedException {
    CommandLine options = new CommandLine(args, Set.of("target"));
    String target = options.get("target", "localhost:" + environment.getOrDefault("GRPC_PORT", "50051"));
    String aliceToken = TokenCommand.mint(List.of("--sub", "alice", "--device", "demo-cli"), environment);
    String bobToken = TokenCommand.mint(List.of("--sub", "bob", "--device", "demo-cli"), environment);
    BlockingQueue<RoomEvent> bobReceived = new LinkedBlockingQueue<>();
    ChatListener bobListener =
        new ChatListener() {
          @Override
          public void onRoomEvent(RoomEvent event) {
            bobReceived.add(event);
          }

          @Override
          public void onStateChanged(StateChange change) {
            out.println("bob's connection: " + change.state() + " (" + change.cause() + (change.message().isEmpty() ? "" : ": " + change.message()) + ")");
          }
        };
    try (ChatClient alice = client(target, aliceToken, new ChatListener() {});
        ChatClient bob = client(target, bobToken, bobListener)) {
      Room room =
          await(
                  alice
                      .unaryCalls()
                      .createRoom(
                          CreateRoomRequest.newBuilder()
                              .setRoomId("demo-" + UUID.randomUUID().toString().substring(0, 8))
                              .setName("Demo room")
                              .setVisibility(RoomVisibility.ROOM_VISIBILITY_PUBLIC)
                              .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("bob"))
                              .build()),
                  "CreateRoom")
              .getRoom();
      out.println("alice created room " + room.getId() + " with " + room.getMemberCount() + " members");

      // bob holds a device stream, as a phone would, and receives alice's message live.
      bob.connect();
      await(bob.subscribe(room.getId()), "bob's subscription");
      alice.connect();
      AckEvent sent = await(alice.sendText(room.getId(), "hello from alice"), "the ack of alice's message");
      out.println("alice sent event " + sent.getEventId() + " (sequence " + sent.getSequence() + ")");
      RoomEvent live = bobReceived.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (live == null) {
        throw new IllegalStateException("bob received nothing within " + WAIT_SECONDS + " s");
      }
      out.println("bob received live: #" + live.getSequence() + " " + live.getSenderProfileId() + ": " + live.getText().getText());
      GetHistoryResponse history = await(bob.unaryCalls().getHistory(GetHistoryRequest.newBuilder().setRoomId(room.getId()).build()), "GetHistory");
      out.println("bob reads the history of " + room.getId() + ":");
      for (RoomEvent event : history.getEventsList()) {
        String body = event.hasText() ? event.getText().getText() : event.getType().name();
        out.println("  #" + event.getSequence() + " " + event.getSenderProfileId() + ": " + body);
      }
    }
  }

  private static ChatClient client(String target, String token, ChatListener listener) {
    return ChatClient.builder().target(target).plaintext().tokens(TokenSupplier.fixed(token)).userAgent("demo-cli").listener(listener).build();
  }

  private static <T> T await(Future<T> future, String what) throws InterruptedException {
    try {
      return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no " + what + " from the gateway within " + WAIT_SECONDS + " s", e);
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      String why = status.getCode() == Status.Code.UNKNOWN ? String.valueOf(e.getCause().getMessage()) : status.getCode() + " " + status.getDescription();
      throw new IllegalStateException("demo call failed (" + what + "): " + why, e.getCause());
    }
  }
}
