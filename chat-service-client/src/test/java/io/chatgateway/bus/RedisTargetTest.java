package io.chatgateway.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedisTargetTest {

  @Test
  void standaloneUrisKeepHostPortPasswordDatabaseAndTls() {
    RedisTarget plain = RedisTarget.parse("redis://cache:6380/2");
    assertFalse(plain.cluster());
    assertEquals("cache", plain.nodes().get(0).getHost());
    assertEquals(6380, plain.nodes().get(0).getPort());
    assertEquals(2, plain.nodes().get(0).getDatabase());

    RedisTarget secure = RedisTarget.parse("rediss://:s3cret@cache.example:6379");
    assertTrue(secure.nodes().get(0).isSsl());
    assertEquals("s3cret", new String(secure.nodes().get(0).getCredentialsProvider().resolveCredentials().block().getPassword()));
    assertFalse(secure.display().contains("s3cret"), secure.display());
  }

  @Test
  void clusterUrisListSeedNodes() {
    RedisTarget cluster = RedisTarget.parse("redis-cluster://:pw@10.0.0.1:7000,10.0.0.2:7001, 10.0.0.3:7002");
    assertTrue(cluster.cluster());
    assertEquals(3, cluster.nodes().size());
    assertEquals(7001, cluster.nodes().get(1).getPort());
    assertFalse(cluster.display().contains("pw"));
  }

  @Test
  void badUrisSayWhatIsWrong() {
    assertThrows(IllegalArgumentException.class, () -> RedisTarget.parse("http://cache:6379"));
    assertThrows(IllegalArgumentException.class, () -> RedisTarget.parse("redis://cache"));
    assertThrows(IllegalArgumentException.class, () -> RedisTarget.parse("redis-cluster://a:1,b"));
    assertThrows(IllegalArgumentException.class, () -> RedisTarget.parse("redis-cluster://a:99999"));
  }

  @Test
  void channelNamesCarryHashTags() {
    assertEquals("chat:room:{r1}", RedisChannels.room("r1"));
    assertEquals("r1", RedisChannels.roomOf("chat:room:{r1}"));
    assertEquals(null, RedisChannels.roomOf("chat:gw:{g}:control"));
    assertEquals("chat:gw:{g}:conns", RedisChannels.connections("g"));
  }
}
