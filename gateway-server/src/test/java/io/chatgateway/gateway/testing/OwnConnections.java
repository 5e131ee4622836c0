package io.chatgateway.gateway.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Devices that each have a connection of their own to the gateway, as real devices do, for tests
 * where per-connection flow control matters; {@link #close} ends them all. Not thread-safe: open
 * connections from the test's thread.
 */
public final class OwnConnections implements AutoCloseable {

  private final IntSupplier grpcPort;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<DeviceClient> devices = new ArrayList<>();

  /** @param grpcPort the gateway's port, read when a connection opens (after the gateway started) */
  public OwnConnections(IntSupplier grpcPort) {
    this.grpcPort = grpcPort;
  }

  /** A new connection whose HTTP/2 window is {@code flowControlWindow} bytes. */
  public ManagedChannel open(int flowControlWindow) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("localhost", grpcPort.getAsInt()).usePlaintext().flowControlWindow(flowControlWindow).build();
    channels.add(channel);
    return channel;
  }

  /** A device that reads, on a new connection with a 1 MiB window. */
  public DeviceClient device(String token, String name) {
    return track(DeviceClient.connect(open(1024 * 1024), token, name));
  }

  /** A device that reads nothing until told to, on a new connection with a 16 KiB window. */
  public DeviceClient stalledDevice(String token, String name) {
    return track(DeviceClient.connectStalled(open(16 * 1024), token, name));
  }

  private DeviceClient track(DeviceClient device) {
    devices.add(device);
    return device;
  }

  @Override
  public void close() throws InterruptedException {
    devices.forEach(DeviceClient::close);
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
