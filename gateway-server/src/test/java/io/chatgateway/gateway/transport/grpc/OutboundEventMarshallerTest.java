package io.chatgateway.gateway.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatgateway.gateway.session.OutboundEvent;
import io.chatgateway.proto.v1.EventBatch;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundEventMarshallerTest {

  private static OutboundEvent roomEvent(int sequence) {
    return OutboundEvent.of(
        ServerEvent.newBuilder()
            .setId("e" + sequence)
            .setRoomEvent(RoomEvent.newBuilder().setRoomId("r").setSequence(sequence).setText(TextPayload.newBuilder().setText("t".repeat(sequence * 9))))
            .build());
  }

  private static List<OutboundEvent> parts(int count) {
    List<OutboundEvent> parts = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      parts.add(roomEvent(i));
    }
    return parts;
  }

  @Test
  void aBatchDrainsAsOneServerEventOfItsKnownLength() throws Exception {
    List<OutboundEvent> parts = parts(20);
    OutboundEvent batch = OutboundEvent.batch(parts);
    InputStream stream = OutboundEventMarshaller.INSTANCE.stream(batch);
    // gRPC's framer writes the length prefix from available() and then drains: both must agree.
    assertInstanceOf(KnownLength.class, stream);
    assertEquals(batch.size(), stream.available());

    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    assertEquals(batch.size(), ((Drainable) stream).drainTo(wire));
    assertEquals(0, stream.available());
    assertEquals(batch.size(), wire.size());
    ServerEvent expected =
        ServerEvent.newBuilder().setBatch(EventBatch.newBuilder().addAllEvents(parts.stream().map(OutboundEvent::event).toList())).build();
    assertEquals(expected, ServerEvent.parseFrom(wire.toByteArray()));
    assertEquals(-1, stream.read(), "nothing is left once drained");
  }

  @Test
  void aStreamReadRatherThanDrainedGivesTheSameBytes() throws Exception {
    OutboundEvent batch = OutboundEvent.batch(parts(5));
    InputStream stream = OutboundEventMarshaller.INSTANCE.stream(batch);
    byte[] first = new byte[3];
    assertEquals(3, stream.read(first, 0, 3));
    assertEquals(batch.size() - 3, stream.available());
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    assertEquals(batch.size() - 3, ((Drainable) stream).drainTo(rest));
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    whole.write(first);
    whole.write(rest.toByteArray());
    assertArrayEquals(batch.binary(), whole.toByteArray());

    OutboundEvent single = roomEvent(1);
    assertArrayEquals(single.binary(), OutboundEventMarshaller.INSTANCE.stream(single).readAllBytes());
  }

  @Test
  void outboundEventsAreNeverParsed() {
    assertThrows(UnsupportedOperationException.class, () -> OutboundEventMarshaller.INSTANCE.parse(new ByteArrayInputStream(new byte[0])));
  }
}
