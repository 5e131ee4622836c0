package io.chatgateway.bench.scenario;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Publishes to rooms straight through the core, as the rooms' owner: events reach devices through
 * whatever gateway serves them, or wait in history while none does. Not thread-safe; close once.
 */
final class CorePublisher implements AutoCloseable {

  private final ManagedChannel channel;
  private final ChatServiceGrpc.ChatServiceBlockingStub core;
  private final List<String> rooms;
  private long sent;

  CorePublisher(int corePort, List<String> rooms) {
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", corePort).usePlaintext().build();
    Metadata identity = new Metadata();
    new CallerIdentity("bench-owner", "publisher").writeTo(identity);
    this.core = ChatServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(identity));
    this.rooms = List.copyOf(rooms);
  }

  /** Sends {@code perRoom} events to every room; returns each room's newest sequence. */
  Map<String, Long> publish(int perRoom) {
    Map<String, Long> newest = new LinkedHashMap<>();
    for (String room : rooms) {
      for (int i = 0; i < perRoom; i++) {
        String id = "bench-" + (++sent);
        RoomEvent event = RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId(id).setText(TextPayload.newBuilder().setText(id)).build();
        long sequence =
            core.withDeadlineAfter(10, TimeUnit.SECONDS).sendEvent(SendEventRequest.newBuilder().setRoomId(room).setEvent(event).build()).getEvent().getSequence();
        newest.put(room, sequence);
      }
    }
    return newest;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
