package io.chatgateway.bus;

import static java.util.Objects.requireNonNull;

import io.chatgateway.proto.v1.BusEnvelope;
import io.grpc.Status;
import io.lettuce.core.RedisFuture;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Publishes envelopes to gateways over Redis: the protobuf encoding of each {@link BusEnvelope} on
 * its room's channel ({@link RedisChannels#room}), with PUBLISH, or SPUBLISH on Redis Cluster.
 *
 * <p>Non-blocking: the command is pipelined on the shared connection, which keeps one publisher's
 * envelopes in order. While Redis is unreachable, {@link #publish} fails at once with UNAVAILABLE;
 * a publish lost in flight (timeout) is logged, and subscribers recover through GetHistory.
 * Thread-safe. A core that is not on the JVM publishes the same bytes on the same channel.
 */
public final class RedisEventPublisher implements EventPublisher {

  private static final Logger log = Logger.getLogger(RedisEventPublisher.class.getName());

  private final RedisConnector redis;

  public RedisEventPublisher(RedisConnector redis) {
    this.redis = requireNonNull(redis, "redis");
  }

  @Override
  public void publish(BusEnvelope envelope) {
    String channel = envelope.getProfileId().isEmpty() ? RedisChannels.room(envelope.getRoomId()) : RedisChannels.user(envelope.getProfileId());
    publish(channel, envelope.toByteArray());
  }

  /** Publishes raw bytes on a channel; the shared path of room envelopes and control messages. */
  public void publish(String channel, byte[] message) {
    RedisFuture<Long> sent =
        redis.cluster() ? redis.commands().spublish(channel, message) : redis.commands().publish(channel, message);
    CompletableFuture<Long> future = sent.toCompletableFuture();
    if (future.isCompletedExceptionally()) {
      // Rejected before it left: the connection is down.
      Throwable cause = future.handle((ok, error) -> error).join();
      throw Status.UNAVAILABLE.withDescription("Redis unavailable: " + cause.getMessage()).withCause(cause).asRuntimeException();
    }
    future.whenComplete(
        (receivers, error) -> {
          if (error != null) {
            log.log(Level.WARNING, "publish to " + channel + " failed: " + error.getMessage());
          }
        });
  }
}
