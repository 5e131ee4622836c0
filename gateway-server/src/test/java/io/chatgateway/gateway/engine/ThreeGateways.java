package io.chatgateway.gateway.engine;

import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.cli.CoreCommand;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.device.BearerCredentials;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A shared core (the {@code core} command's code, publishing to Redis) and three gateways ({@code
 * gw-a}, {@code gw-b}, {@code gw-c}) on the same Redis, each on its own ports; clients reach them over
 * real sockets.
 */
final class ThreeGateways implements AutoCloseable {

  static final List<String> IDS = List.of("gw-a", "gw-b", "gw-c");

  final CoreCommand.Running core;
  final List<GatewayServer> gateways = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();
  final List<DeviceClient> devices = new ArrayList<>();

  private ThreeGateways(CoreCommand.Running core) {
    this.core = core;
  }

  static ThreeGateways start(String cacheUri, Map<String, String> extra) throws Exception {
    ThreeGateways cluster = new ThreeGateways(CoreCommand.start(Map.of("CACHE_URI", cacheUri, "CORE_PORT", "0", "CORE_TRUST_NETWORK", "true")));
    for (String id : IDS) {
      Map<String, String> env = new HashMap<>();
      env.put("GRPC_PORT", "0");
      env.put("HTTP_PORT", "0");
      env.put("GATEWAY_ID", id);
      env.put("CACHE_URI", cacheUri);
      env.put("CHAT_SERVICE_URI", "localhost:" + cluster.core.port());
      env.put("JWT_HMAC_SECRET", TestTokens.SECRET);
      env.put("OAUTH2_ISSUER", TestTokens.ISSUER);
      env.put("GATEWAY_HEARTBEAT_SEC", "1");
      env.putAll(extra);
      GatewayServer gateway = GatewayServer.start(GatewayConfig.fromEnvironment(env));
      cluster.gateways.add(gateway);
      cluster.channels.add(NettyChannelBuilder.forAddress("localhost", gateway.grpcPort()).usePlaintext().build());
    }
    return cluster;
  }

  GatewayServer gateway(int index) {
    return gateways.get(index);
  }

  /** A device on gateway {@code index}. */
  DeviceClient device(int index, String profile, String device) {
    DeviceClient client = DeviceClient.connect(channels.get(index), TestTokens.valid(profile, device), profile + "/" + device + "@" + IDS.get(index));
    devices.add(client);
    return client;
  }

  ChatServiceGrpc.ChatServiceBlockingStub as(int index, String profile) {
    return ChatServiceGrpc.newBlockingStub(channels.get(index))
        .withCallCredentials(BearerCredentials.of(TestTokens.valid(profile, "api")))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    devices.forEach(DeviceClient::close);
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (GatewayServer gateway : gateways) {
      gateway.close();
    }
    core.close();
  }
}
