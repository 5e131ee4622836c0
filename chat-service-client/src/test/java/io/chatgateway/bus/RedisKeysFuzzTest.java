package io.chatgateway.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chatgateway.client.Ids;
import io.lettuce.core.cluster.SlotHash;

/**
 * For any two valid (profile, device) pairs: distinct pairs get distinct device keys and connection
 * fields, and one profile's device and presence keys share a Redis Cluster slot (the slot computed as
 * Redis does, by Lettuce's {@link SlotHash}).
 */
class RedisKeysFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void distinctPairsNeverShareAKeyAndAProfileKeepsOneSlot(FuzzedDataProvider data) {
    String[] first = {id(data), id(data)};
    String[] second = {id(data), id(data)};
    if (first[0] == null || first[1] == null || second[0] == null || second[1] == null) {
      return;
    }
    RedisKeysTest.assertKeysOf(first[0], first[1], second[0], second[1]);
    assertEquals(SlotHash.getSlot(RedisChannels.device(first[0], first[1])), SlotHash.getSlot(RedisChannels.presence(first[0])));
    if (!first[0].equals(second[0]) || !first[1].equals(second[1])) {
      assertNotEquals(RedisChannels.device(first[0], first[1]), RedisChannels.device(second[0], second[1]));
    }
  }

  /** A valid id built from separators, braces and percent signs mostly, or null when the rule refuses it. */
  private static String id(FuzzedDataProvider data) {
    StringBuilder id = new StringBuilder();
    int length = data.consumeInt(1, 12);
    for (int i = 0; i < length; i++) {
      id.append(data.consumeBoolean() ? data.pickValue(new char[] {':', '{', '}', '%', 'a', '3', 'A', 'D', '7', 'B'}) : data.consumeChar());
    }
    String candidate = id.toString();
    return Ids.problem("id", candidate) == null ? candidate : null;
  }
}
