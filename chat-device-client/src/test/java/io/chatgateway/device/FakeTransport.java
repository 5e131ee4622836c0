package io.chatgateway.device;

import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/** A {@link StreamTransport} that records what the client writes and lets the test play the gateway. */
final class FakeTransport implements StreamTransport {

  final List<FakeStream> streams = new ArrayList<>();
  final Map<String, List<RoomEvent>> history = new HashMap<>();
  final List<GetHistoryRequest> historyReads = new ArrayList<>();
  /** History answers wait here when the test holds them; null answers at once. */
  List<Runnable> heldHistory;

  @Override
  public Stream open(String token, Handler handler) {
    FakeStream stream = new FakeStream(token, handler);
    streams.add(stream);
    return stream;
  }

  @Override
  public CompletionStage<GetHistoryResponse> history(String token, GetHistoryRequest request) {
    historyReads.add(request);
    CompletableFuture<GetHistoryResponse> answer = new CompletableFuture<>();
    Runnable respond = () -> {
      List<RoomEvent> after = history.getOrDefault(request.getRoomId(), List.of()).stream().filter(e -> e.getSequence() > request.getAfterSequence()).toList();
      int size = Math.min(after.size(), request.getPageSize());
      answer.complete(GetHistoryResponse.newBuilder().addAllEvents(after.subList(0, size)).setHasMore(after.size() > size).build());
    };
    if (heldHistory != null) {
      heldHistory.add(respond);
    } else {
      respond.run();
    }
    return answer;
  }

  FakeStream last() {
    return streams.get(streams.size() - 1);
  }

  /** One stream: the frames the client wrote, the credit it gave, and the gateway's side. */
  static final class FakeStream implements Stream {
    final String token;
    final Handler handler;
    final List<ConnectRequest> sent = new ArrayList<>();
    int requested;
    boolean finished;
    String cancelled;

    FakeStream(String token, Handler handler) {
      this.token = token;
      this.handler = handler;
    }

    @Override
    public void send(ConnectRequest frame) {
      sent.add(frame);
    }

    @Override
    public void request(int count) {
      requested += count;
    }

    @Override
    public void finish() {
      finished = true;
    }

    @Override
    public void cancel(String why) {
      cancelled = why;
    }

    void push(ServerEvent event) {
      handler.onEvent(event);
    }

    void close(Status status) {
      handler.onClosed(status);
    }

    List<ConnectRequest> frames(Predicate<ConnectRequest> kind) {
      return sent.stream().filter(kind).toList();
    }
  }
}
