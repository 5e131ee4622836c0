package io.chatgateway.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One channel per event loop, all to the same target, each doing its I/O on its own loop. A call
 * made on one of the loops goes out on that loop's channel, so its request is written and its
 * answer read and handed on by the thread that made it, with no hop between threads either way; a
 * call from any other thread takes the channels in turn. A channel whose connection failed is passed
 * over while another is connected ({@link #current}).
 *
 * <p>Thread-safe. Lifecycle calls go to every channel; the loops belong to the caller, who closes
 * them after this channel has terminated.
 */
final class LoopAffineChannel extends ManagedChannel {

  private final EventExecutor[] loops;
  private final ManagedChannel[] channels;
  private final AtomicInteger turn = new AtomicInteger();

  /** @param channels {@code channels.get(i)} does its I/O on {@code loops.get(i)} */
  LoopAffineChannel(List<EventExecutor> loops, List<ManagedChannel> channels) {
    if (loops.isEmpty() || loops.size() != channels.size()) {
      throw new IllegalArgumentException("one channel per loop, at least one: " + loops.size() + " loops, " + channels.size() + " channels");
    }
    this.loops = loops.toArray(EventExecutor[]::new);
    this.channels = channels.toArray(ManagedChannel[]::new);
  }

  /**
   * The channel a call made now, on this thread, goes out on: the loop's own, or the next in turn;
   * but not one whose connection failed and waits out its reconnect backoff while another is
   * connected (after an outage each reconnects on its own schedule, and a call there would fail at
   * once although the core is back).
   */
  ManagedChannel current() {
    ManagedChannel chosen = null;
    for (int i = 0; i < loops.length; i++) {
      if (loops[i].inEventLoop()) {
        chosen = channels[i];
        break;
      }
    }
    if (chosen == null) {
      chosen = channels[Math.floorMod(turn.getAndIncrement(), channels.length)];
    }
    if (chosen.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
      return chosen;
    }
    for (ManagedChannel channel : channels) {
      if (channel.getState(false) == ConnectivityState.READY) {
        return channel;
      }
    }
    return chosen;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return current().newCall(method, options);
  }

  @Override
  public String authority() {
    return channels[0].authority();
  }

  @Override
  public void resetConnectBackoff() {
    for (ManagedChannel channel : channels) {
      channel.resetConnectBackoff();
    }
  }

  @Override
  public ManagedChannel shutdown() {
    for (ManagedChannel channel : channels) {
      channel.shutdown();
    }
    return this;
  }

  @Override
  public ManagedChannel shutdownNow() {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    return this;
  }

  @Override
  public boolean isShutdown() {
    return java.util.Arrays.stream(channels).allMatch(ManagedChannel::isShutdown);
  }

  @Override
  public boolean isTerminated() {
    return java.util.Arrays.stream(channels).allMatch(ManagedChannel::isTerminated);
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (ManagedChannel channel : channels) {
      if (!channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }
}
