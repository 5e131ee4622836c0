package io.chatgateway.gateway.engine;

import io.chatgateway.bus.RedisConnector;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubListener;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The engine's pub/sub connection, whichever kind Redis needs: plain SUBSCRIBE on a standalone
 * server, sharded SSUBSCRIBE on a cluster (where messages may also arrive unsharded). Messages and
 * (un)subscription confirmations reach the {@link Listener} on Lettuce's threads.
 */
interface RedisSubscriber {

  /** What the connection reports; called on Lettuce's event-loop threads, so it must not block. */
  interface Listener {
    void message(String channel, byte[] message);

    void subscribed(String channel);

    void unsubscribed(String channel);
  }

  CompletionStage<Void> subscribe(List<String> channels);

  CompletionStage<Void> unsubscribe(List<String> channels);

  void close();

  static RedisSubscriber standalone(RedisConnector redis, Listener listener) {
    StatefulRedisPubSubConnection<String, byte[]> connection = redis.connectPubSub();
    connection.addListener(
        new RedisPubSubListener<>() {
          @Override
          public void message(String channel, byte[] message) {
            listener.message(channel, message);
          }

          @Override
          public void message(String pattern, String channel, byte[] message) {}

          @Override
          public void subscribed(String channel, long count) {
            listener.subscribed(channel);
          }

          @Override
          public void psubscribed(String pattern, long count) {}

          @Override
          public void unsubscribed(String channel, long count) {
            listener.unsubscribed(channel);
          }

          @Override
          public void punsubscribed(String pattern, long count) {}
        });
    return new RedisSubscriber() {
      @Override
      public CompletionStage<Void> subscribe(List<String> channels) {
        return connection.async().subscribe(channels.toArray(String[]::new));
      }

      @Override
      public CompletionStage<Void> unsubscribe(List<String> channels) {
        return connection.async().unsubscribe(channels.toArray(String[]::new));
      }

      @Override
      public void close() {
        connection.close();
      }
    };
  }

  static RedisSubscriber cluster(RedisConnector redis, Listener listener) {
    StatefulRedisClusterPubSubConnection<String, byte[]> connection = redis.connectClusterPubSub();
    connection.addListener(
        new RedisClusterPubSubListener<>() {
          @Override
          public void message(RedisClusterNode node, String channel, byte[] message) {
            listener.message(channel, message);
          }

          @Override
          public void message(RedisClusterNode node, String pattern, String channel, byte[] message) {}

          @Override
          public void subscribed(RedisClusterNode node, String channel, long count) {
            listener.subscribed(channel);
          }

          @Override
          public void psubscribed(RedisClusterNode node, String pattern, long count) {}

          @Override
          public void unsubscribed(RedisClusterNode node, String channel, long count) {
            listener.unsubscribed(channel);
          }

          @Override
          public void punsubscribed(RedisClusterNode node, String pattern, long count) {}

          @Override
          public void smessage(RedisClusterNode node, String channel, byte[] message) {
            listener.message(channel, message);
          }

          @Override
          public void ssubscribed(RedisClusterNode node, String channel, long count) {
            listener.subscribed(channel);
          }

          @Override
          public void sunsubscribed(RedisClusterNode node, String channel, long count) {
            listener.unsubscribed(channel);
          }
        });
    return new RedisSubscriber() {
      // Sharded channels in one SSUBSCRIBE must share a slot: send one per channel, pipelined.
      @Override
      public CompletionStage<Void> subscribe(List<String> channels) {
        return CompletableFuture.allOf(
            channels.stream().map(c -> connection.async().ssubscribe(c).toCompletableFuture()).toArray(CompletableFuture[]::new));
      }

      @Override
      public CompletionStage<Void> unsubscribe(List<String> channels) {
        return CompletableFuture.allOf(
            channels.stream().map(c -> connection.async().sunsubscribe(c).toCompletableFuture()).toArray(CompletableFuture[]::new));
      }

      @Override
      public void close() {
        connection.close();
      }
    };
  }
}
