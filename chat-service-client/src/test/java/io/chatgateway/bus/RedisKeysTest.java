package io.chatgateway.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.lettuce.core.cluster.SlotHash;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key formats of {@link RedisChannels}: the collisions the old formats had, and the slots. */
class RedisKeysTest {

  @Test
  void pairsThatSharedAFieldOrAKeyNoLongerDo() {
    assertKeysOf("a:b", "c", "a", "b:c");
    assertKeysOf("x}:y", "z", "x", "y}:z");
    assertKeysOf("%3A", "d", ":", "d");
    assertKeysOf("p%", "7Bq", "p", "%7Bq");
  }

  @Test
  void everyKeyOfAProfileIsInOneSlotWhateverItsCharacters() {
    for (String profile : List.of("}q", "{x}", "a}b{c", "j\u00fcrgen", "plain", "%7D", ":")) {
      int slot = SlotHash.getSlot(RedisChannels.presence(profile));
      assertEquals(slot, SlotHash.getSlot(RedisChannels.device(profile, "phone")), profile);
      assertEquals(slot, SlotHash.getSlot(RedisChannels.device(profile, "}{")), profile);
      assertEquals(slot, SlotHash.getSlot(RedisChannels.profileRate(profile, 1_700_000_000L)), profile);
      assertEquals(SlotHash.getSlot(RedisChannels.escape(profile)), slot, "the hash tag is the escaped id: " + profile);
    }
  }

  @Test
  void usualIdsAreUnchangedSoExistingKeysStayValid() {
    assertEquals("chat:device:{alice}:phone", RedisChannels.device("alice", "phone"));
    assertEquals("chat:presence:{auth0|123}", RedisChannels.presence("auth0|123"));
    assertEquals("chat:rate:{alice}:1700000000", RedisChannels.profileRate("alice", 1_700_000_000L));
    assertEquals("alice:phone", RedisChannels.connectionField("alice", "phone"));
    assertEquals("urn%3Ax%3Ay:d%7B1%7D", RedisChannels.connectionField("urn:x:y", "d{1}"));
  }

  /** Distinct pairs give distinct device keys and connection fields; equal pairs, equal ones. */
  static void assertKeysOf(String profile1, String device1, String profile2, String device2) {
    boolean same = profile1.equals(profile2) && device1.equals(device2);
    String key1 = RedisChannels.device(profile1, device1);
    String key2 = RedisChannels.device(profile2, device2);
    String field1 = RedisChannels.connectionField(profile1, device1);
    String field2 = RedisChannels.connectionField(profile2, device2);
    if (same) {
      assertEquals(key1, key2);
      assertEquals(field1, field2);
    } else {
      assertNotEquals(key1, key2, "(" + profile1 + ", " + device1 + ") vs (" + profile2 + ", " + device2 + ")");
      assertNotEquals(field1, field2, "(" + profile1 + ", " + device1 + ") vs (" + profile2 + ", " + device2 + ")");
    }
    assertEquals(profile1.equals(profile2), RedisChannels.presence(profile1).equals(RedisChannels.presence(profile2)));
  }
}
