package io.chatgateway.bench.loadgen;

import java.util.Arrays;

/** How a load generator's devices reach the gateway; {@link #flag} is its {@code --transport} value. */
public enum DeviceTransport {
  /** Generated gRPC stubs over the gRPC port. */
  GRPC("grpc"),
  /** The WebSocket bridge, the token in the upgrade's {@code Authorization} header. */
  WEBSOCKET("ws"),
  /** The WebSocket bridge as a browser uses it: no header, the token in the hello frame. */
  WEBSOCKET_BROWSER("ws-browser"),
  /** Clients of the device client library, over the gRPC port. */
  LIBRARY("library");

  private final String flag;

  DeviceTransport(String flag) {
    this.flag = flag;
  }

  public String flag() {
    return flag;
  }

  /** Whether its devices connect to the gateway's HTTP port (the WebSocket bridge) rather than gRPC's. */
  public boolean webSocket() {
    return this == WEBSOCKET || this == WEBSOCKET_BROWSER;
  }

  /** The transport whose {@link #flag} is {@code flag}. */
  public static DeviceTransport of(String flag) {
    return Arrays.stream(values())
        .filter(transport -> transport.flag.equals(flag))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("--transport takes grpc, ws, ws-browser or library, not " + flag));
  }
}
