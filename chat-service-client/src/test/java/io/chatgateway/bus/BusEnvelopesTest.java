package io.chatgateway.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.MembershipChange;
import io.chatgateway.proto.v1.ReadMarkerEvent;
import io.chatgateway.proto.v1.TypingEvent;
import io.chatgateway.proto.v1.UserNotice;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a profile's channel accepts, and that the two kinds of channel never take each other's envelopes. */
class BusEnvelopesTest {

  @Test
  void aProfileChannelTakesItsProfilesMembershipReadMarkersAndNotices() {
    String channel = RedisChannels.userOf(RedisChannels.user("ann:1"));
    assertEquals("ann%3A1", channel, "escaped, as in the channel name");
    BusEnvelope membership = BusEnvelope.newBuilder().setProfileId("ann:1").setRoomId("r1")
        .setMembershipChange(MembershipChange.newBuilder().setRoomId("r1").addAddedProfileIds("ann:1")).build();
    BusEnvelope marker = BusEnvelope.newBuilder().setProfileId("ann:1").setRoomId("r1")
        .setReadMarker(ReadMarkerEvent.newBuilder().setRoomId("r1").setProfileId("ann:1").setUpToSequence(3)).build();
    BusEnvelope notice = BusEnvelope.newBuilder().setProfileId("ann:1").setNotice(UserNotice.newBuilder().setKind("call")).build();
    for (BusEnvelope envelope : new BusEnvelope[] {membership, marker, notice}) {
      assertEquals(envelope, BusEnvelopes.decodeForProfile(channel, envelope.toByteArray()));
    }
  }

  @Test
  void aProfileChannelRefusesWhatIsNotForThatProfile() {
    String channel = RedisChannels.userOf(RedisChannels.user("ann"));
    BusEnvelope.Builder base = BusEnvelope.newBuilder().setRoomId("r1").setMembershipChange(MembershipChange.newBuilder().setRoomId("r1"));
    assertRefused(channel, base.clone().setProfileId("bob").build().toByteArray(), "names profile 'bob'");
    assertRefused(channel, base.clone().build().toByteArray(), "names profile ''");
    assertRefused(channel, base.clone().setProfileId("ann").setRoomId("no room").build().toByteArray(), "room id");
    assertRefused(channel, BusEnvelope.newBuilder().setProfileId("ann").setRoomId("r1").setTyping(TypingEvent.newBuilder().setRoomId("r1")).build().toByteArray(),
        "must carry a membership change, a read marker or a notice");
    assertRefused(channel, "not protobuf".getBytes(StandardCharsets.UTF_8), "not a chat.v1.BusEnvelope");
  }

  @Test
  void aRoomChannelRefusesAnEnvelopeForAProfile() {
    BusEnvelope forAnn = BusEnvelope.newBuilder().setProfileId("ann").setRoomId("r1")
        .setMembershipChange(MembershipChange.newBuilder().setRoomId("r1").addAddedProfileIds("ann")).build();
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> BusEnvelopes.decode("r1", forAnn.toByteArray()));
    assertTrue(refused.getMessage().contains("for a profile's devices"), refused.getMessage());
    assertEquals(null, RedisChannels.userOf(RedisChannels.room("r1")));
    assertEquals(null, RedisChannels.roomOf(RedisChannels.user("ann")));
  }

  private static void assertRefused(String channel, byte[] message, String why) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> BusEnvelopes.decodeForProfile(channel, message));
    assertTrue(refused.getMessage().contains(why), refused.getMessage());
  }
}
