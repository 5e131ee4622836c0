package io.chatgateway.gateway.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real Redis for a test class: one server, or a three-master Redis Cluster built with CLUSTER
 * ADDSLOTS and CLUSTER MEET (no redis-cli needed). The cluster needs Redis 7 for sharded pub/sub.
 * With an older binary, tests that call {@link #assumeSupported} are skipped and say why.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

  private final int masters;
  private final List<RedisProcess> nodes = new ArrayList<>();
  private String unsupported;

  private RedisExtension(int masters) {
    this.masters = masters;
  }

  public static RedisExtension standalone() {
    return new RedisExtension(0);
  }

  public static RedisExtension cluster() {
    return new RedisExtension(3);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (masters == 0) {
      nodes.add(RedisProcess.start(List.of()));
      return;
    }
    for (int i = 0; i < masters; i++) {
      nodes.add(RedisProcess.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")));
    }
    String version = nodes.get(0).version();
    if (Integer.parseInt(version.split("\\.")[0]) < 7) {
      unsupported = "Redis Cluster tests need Redis 7 for sharded pub/sub; this redis-server is " + version;
      System.out.println("skipped: " + unsupported);
      return;
    }
    int slotsPerNode = 16384 / masters;
    for (int i = 0; i < masters; i++) {
      int from = i * slotsPerNode;
      int to = i == masters - 1 ? 16383 : from + slotsPerNode - 1;
      try (RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", nodes.get(i).port()));
          StatefulRedisConnection<String, String> connection = client.connect()) {
        connection.sync().clusterAddSlots(IntStream.rangeClosed(from, to).toArray());
        for (RedisProcess other : nodes) {
          if (other != nodes.get(i)) {
            connection.sync().clusterMeet("127.0.0.1", other.port());
          }
        }
      }
    }
    for (RedisProcess node : nodes) {
      Await.until(Duration.ofSeconds(30), () -> clusterOk(node), "cluster state ok on port " + node.port());
    }
  }

  private static boolean clusterOk(RedisProcess node) {
    try (RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", node.port()));
        StatefulRedisConnection<String, String> connection = client.connect()) {
      String info = connection.sync().clusterInfo();
      return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3");
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (RedisProcess node : nodes) {
      node.close();
    }
  }

  /** Skips the calling test, with the reason, when this Redis cannot run a cluster test. */
  public void assumeSupported() {
    Assumptions.assumeTrue(unsupported == null, () -> unsupported);
  }

  /** Whether the cluster could be built (false with a Redis older than 7). */
  public boolean supported() {
    return unsupported == null;
  }

  /** The CACHE_URI for the gateway. */
  public String cacheUri() {
    if (masters == 0) {
      return nodes.get(0).uri();
    }
    return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** The single server (standalone only). */
  public RedisProcess server() {
    return nodes.get(0);
  }
}
