package io.chatgateway.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chatgateway.proto.v1.BusEnvelope;

/**
 * Whatever bytes arrive on a profile's channel, the decoder returns an envelope of that very profile
 * with a payload, or refuses them with IllegalArgumentException; no other exception, no envelope of
 * another profile. (A class of its own: Jazzer fuzzes one test per class.)
 */
class ProfileChannelFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void anyMessageOnAProfileChannelIsThatProfilesEnvelopeOrRefused(FuzzedDataProvider data) {
    String profile = data.pickValue(new String[] {"ann", "a:b{c}", "", "jörgen"});
    byte[] message = data.consumeRemainingAsBytes();
    BusEnvelope envelope;
    try {
      envelope = BusEnvelopes.decodeForProfile(RedisChannels.escape(profile), message);
    } catch (IllegalArgumentException refused) {
      assertNotNull(refused.getMessage());
      return;
    }
    assertEquals(profile, envelope.getProfileId());
    assertNotEquals(BusEnvelope.PayloadCase.PAYLOAD_NOT_SET, envelope.getPayloadCase());
  }
}
