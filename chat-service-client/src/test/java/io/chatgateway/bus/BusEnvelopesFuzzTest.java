package io.chatgateway.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chatgateway.proto.v1.BusEnvelope;

/**
 * Whatever bytes arrive on a room channel, the decoder returns an envelope of that very room with a
 * payload, or refuses them with IllegalArgumentException; no other exception, no envelope of another
 * room.
 */
class BusEnvelopesFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void anyMessageOnARoomChannelIsThatRoomsEnvelopeOrRefused(FuzzedDataProvider data) {
    String channelRoom = data.pickValue(new String[] {"room-1", "r:2", "", "x".repeat(129)});
    byte[] message = data.consumeRemainingAsBytes();
    BusEnvelope envelope;
    try {
      envelope = BusEnvelopes.decode(channelRoom, message);
    } catch (IllegalArgumentException refused) {
      assertNotNull(refused.getMessage());
      return;
    }
    assertEquals(channelRoom, envelope.getRoomId());
    assertNotEquals(BusEnvelope.PayloadCase.PAYLOAD_NOT_SET, envelope.getPayloadCase());
  }
}
