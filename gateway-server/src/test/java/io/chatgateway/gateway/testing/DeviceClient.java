package io.chatgateway.gateway.testing;

import io.chatgateway.gateway.auth.BearerCredentials;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.PingFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.SubscribedEvent;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A device on a real {@code Connect} stream, built on the generated stub: sends frames, records every
 * event it receives (unpacking batches), and waits for events with a deadline. With {@code stalled} it reads nothing until
 * told to ({@link #readEverything}), as a device that stopped reading would.
 */
public final class DeviceClient implements AutoCloseable {

  public static final Duration WAIT = Duration.ofSeconds(15);

  private final List<ServerEvent> events = new ArrayList<>(); // guarded by itself, batches unpacked
  private final List<ServerEvent> messages = new ArrayList<>(); // guarded by events, as received
  private final AtomicReference<Status> closedWith = new AtomicReference<>();
  private final AtomicReference<ClientCallStreamObserver<ConnectRequest>> requests = new AtomicReference<>();
  private final String name;

  private DeviceClient(String name) {
    this.name = name;
  }

  public static DeviceClient connect(Channel channel, String token, String name) {
    return open(channel, token, name, false);
  }

  /** A device that never reads until {@link #readEverything} is called. */
  public static DeviceClient connectStalled(Channel channel, String token, String name) {
    return open(channel, token, name, true);
  }

  private static DeviceClient open(Channel channel, String token, String name, boolean stalled) {
    DeviceClient client = new DeviceClient(name);
    ChatServiceGrpc.newStub(channel)
        .withCallCredentials(BearerCredentials.of(token))
        .connect(
            new ClientResponseObserver<ConnectRequest, ServerEvent>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ConnectRequest> stream) {
                client.requests.set(stream);
                if (stalled) {
                  stream.disableAutoRequestWithInitial(0);
                }
              }

              @Override
              public void onNext(ServerEvent event) {
                synchronized (client.events) {
                  client.messages.add(event);
                  if (event.hasBatch()) {
                    client.events.addAll(event.getBatch().getEventsList());
                  } else {
                    client.events.add(event);
                  }
                }
              }

              @Override
              public void onError(Throwable t) {
                client.closedWith.compareAndSet(null, Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                client.closedWith.compareAndSet(null, Status.OK);
              }
            });
    return client;
  }

  public void send(ConnectRequest.Builder frame) {
    ClientCallStreamObserver<ConnectRequest> stream = requests.get();
    synchronized (stream) {
      stream.onNext(frame.build());
    }
  }

  /** Sends hello and waits for ready. */
  public ReadyEvent hello() {
    return hello(HelloFrame.getDefaultInstance());
  }

  public ReadyEvent hello(HelloFrame hello) {
    String frameId = frameId();
    send(ConnectRequest.newBuilder().setFrameId(frameId).setHello(hello));
    return await(e -> e.getFrameId().equals(frameId) && e.hasReady(), "ready").getReady();
  }

  /** Subscribes and waits for the answer. */
  public SubscribedEvent subscribe(String... roomIds) {
    String frameId = frameId();
    send(ConnectRequest.newBuilder().setFrameId(frameId).setSubscribe(SubscribeFrame.newBuilder().addAllRoomIds(List.of(roomIds))));
    return await(e -> e.getFrameId().equals(frameId) && e.hasSubscribed(), "subscribed " + List.of(roomIds)).getSubscribed();
  }

  /** Sends a ping and waits for its pong. */
  public void ping() {
    String frameId = frameId();
    send(ConnectRequest.newBuilder().setFrameId(frameId).setPing(PingFrame.getDefaultInstance()));
    await(e -> e.getFrameId().equals(frameId) && e.hasPong(), "pong");
  }

  /** The first event received so far or later that matches, within {@link #WAIT}. */
  public ServerEvent await(Predicate<ServerEvent> match, String what) {
    AtomicReference<ServerEvent> found = new AtomicReference<>();
    Await.until(
        WAIT,
        () -> {
          for (ServerEvent event : events()) {
            if (match.test(event)) {
              found.set(event);
              return true;
            }
          }
          return false;
        },
        () -> name + " waiting for " + what + "; received: " + summary() + "; closed: " + closedWith.get());
    return found.get();
  }

  /** Waits until at least {@code count} events match; returns them in arrival order. */
  public List<ServerEvent> awaitCount(Predicate<ServerEvent> match, int count, String what) {
    Await.until(WAIT, () -> matching(match).size() >= count, () -> name + " waiting for " + count + " x " + what + ", have " + matching(match).size() + "; closed: " + closedWith.get());
    return matching(match);
  }

  public List<ServerEvent> matching(Predicate<ServerEvent> match) {
    return events().stream().filter(match).toList();
  }

  /** Every message as the stream carried it: batches are not unpacked. */
  public List<ServerEvent> messages() {
    synchronized (events) {
      return List.copyOf(messages);
    }
  }

  /** Every event received, in order, with batches unpacked. */
  public List<ServerEvent> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** Waits for the stream to end and returns its status. */
  public Status awaitClosed() {
    Await.until(WAIT, () -> closedWith.get() != null, () -> name + " waiting for the stream to close; received: " + summary());
    return closedWith.get();
  }

  public Status closedWith() {
    return closedWith.get();
  }

  /** Lets a stalled device read everything. */
  public void readEverything() {
    requests.get().request(Integer.MAX_VALUE);
  }

  public static String frameId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private String summary() {
    List<String> kinds = new ArrayList<>();
    for (ServerEvent event : events()) {
      kinds.add(event.getEventCase() + (event.hasError() ? "(" + event.getError().getCode() + ": " + event.getError().getMessage() + ")" : ""));
    }
    return kinds.size() > 40 ? kinds.subList(kinds.size() - 40, kinds.size()) + " (last 40 of " + kinds.size() + ")" : kinds.toString();
  }

  @Override
  public void close() {
    ClientCallStreamObserver<ConnectRequest> stream = requests.get();
    if (stream != null && closedWith.get() == null) {
      stream.cancel("test done", null);
    }
  }
}
