package io.chatgateway.bus;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;

/**
 * One Redis client (standalone or cluster) with the options every user of Redis here needs: commands
 * fail fast with an error while disconnected instead of queueing, every command has a timeout, and
 * reconnects back off from 100 ms to 5 s. Keys are strings; values are bytes. Thread-safe; close once.
 */
public final class RedisConnector implements AutoCloseable {

  /** Keys as UTF-8 strings, values as raw bytes (protobuf envelopes, or UTF-8 text for metadata). */
  public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final RedisTarget target;
  private final ClientResources resources;
  private final RedisClient standalone;
  private final RedisClusterClient cluster;
  private final StatefulRedisConnection<String, byte[]> standaloneConnection;
  private final StatefulRedisClusterConnection<String, byte[]> clusterConnection;

  private RedisConnector(RedisTarget target, Duration commandTimeout) {
    this.target = requireNonNull(target, "target");
    this.resources =
        ClientResources.builder()
            .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, java.util.concurrent.TimeUnit.MILLISECONDS))
            .build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(commandTimeout);
    if (target.cluster()) {
      this.standalone = null;
      this.standaloneConnection = null;
      this.cluster = RedisClusterClient.create(resources, target.nodes());
      cluster.setOptions(
          ClusterClientOptions.builder()
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .timeoutOptions(timeouts)
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder().enablePeriodicRefresh(Duration.ofSeconds(30)).enableAllAdaptiveRefreshTriggers().build())
              .build());
      this.clusterConnection = cluster.connect(CODEC);
    } else {
      this.cluster = null;
      this.clusterConnection = null;
      this.standalone = RedisClient.create(resources, target.nodes().get(0));
      standalone.setOptions(
          ClientOptions.builder().disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).timeoutOptions(timeouts).build());
      this.standaloneConnection = standalone.connect(CODEC);
    }
  }

  /**
   * Connects; throws {@link io.lettuce.core.RedisConnectionException} when Redis cannot be reached
   * at all now (later outages are survived by reconnecting).
   */
  public static RedisConnector connect(RedisTarget target, Duration commandTimeout) {
    return new RedisConnector(target, commandTimeout);
  }

  public boolean cluster() {
    return target.cluster();
  }

  public RedisTarget target() {
    return target;
  }

  /** Asynchronous commands on the shared connection; the same interface for standalone and cluster. */
  public RedisClusterAsyncCommands<String, byte[]> commands() {
    return target.cluster() ? clusterConnection.async() : standaloneConnection.async();
  }

  /** Whether the command connection is up. */
  public boolean connected() {
    return target.cluster() ? clusterConnection.isOpen() : standaloneConnection.isOpen();
  }

  /** A new standalone pub/sub connection (only when not a cluster). */
  public StatefulRedisPubSubConnection<String, byte[]> connectPubSub() {
    return standalone.connectPubSub(CODEC);
  }

  /** A new cluster pub/sub connection (only for a cluster). */
  public StatefulRedisClusterPubSubConnection<String, byte[]> connectClusterPubSub() {
    return cluster.connectPubSub(CODEC);
  }

  /** Tells {@code listener} when any connection of this client connects or drops. */
  public void addConnectionListener(RedisConnectionStateListener listener) {
    if (target.cluster()) {
      cluster.addListener(listener);
    } else {
      standalone.addListener(listener);
    }
  }

  @Override
  public void close() {
    if (standaloneConnection != null) {
      standaloneConnection.close();
      standalone.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (clusterConnection != null) {
      clusterConnection.close();
      cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
  }
}
