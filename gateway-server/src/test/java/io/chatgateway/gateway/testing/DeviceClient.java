package io.chatgateway.gateway.testing;

import io.chatgateway.device.BearerCredentials;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A device on a real {@code Connect} stream, built on the generated stub: sends frames and records
 * every event it receives (unpacking batches; {@link #messages} keeps them as sent). With {@code stalled} it reads nothing until
 * told to ({@link #readEverything}), as a device that stopped reading would.
 */
public final class DeviceClient extends RecordingClient implements AutoCloseable {

  private final List<ServerEvent> messages = new ArrayList<>(); // guarded by events, as received
  private final AtomicReference<Status> closedWith = new AtomicReference<>();
  private final AtomicReference<ClientCallStreamObserver<ConnectRequest>> requests = new AtomicReference<>();
  private final String name;

  private DeviceClient(String name) {
    super(name);
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
                    event.getBatch().getEventsList().forEach(client::record);
                  } else {
                    client.record(event);
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

  /** Every message as the stream carried it: batches are not unpacked. */
  public List<ServerEvent> messages() {
    synchronized (events) {
      return List.copyOf(messages);
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

  @Override
  protected String state() {
    return "received: " + summary() + "; closed: " + closedWith.get();
  }

  @Override
  public void close() {
    ClientCallStreamObserver<ConnectRequest> stream = requests.get();
    if (stream != null && closedWith.get() == null) {
      stream.cancel("test done", null);
    }
  }
}
