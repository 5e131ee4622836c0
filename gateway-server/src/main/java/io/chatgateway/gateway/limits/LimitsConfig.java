package io.chatgateway.gateway.limits;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.env.EnvReader;

/**
 * Bounds per client address, and how that address is known.
 *
 * @param maxConnectionsPerIp {@code MAX_CONNECTIONS_PER_IP}: device streams (gRPC and WebSocket
 *     together) open at once per client address; 0, the default, for none (a carrier NAT puts
 *     thousands of phones behind one address)
 * @param connectionRatePerIp {@code CONNECTION_RATE_PER_IP}: device streams opened per second per
 *     client address; 0, the default, for none
 * @param trustedProxies {@code TRUSTED_PROXIES}: load balancers and ingresses whose {@code
 *     X-Forwarded-For} names the client
 * @param maxProfileEventsPerSecond {@code MAX_PROFILE_EVENTS_PER_SECOND}: events one profile may
 *     send per second over all its devices, and with Redis over all gateways; 0, the default, for
 *     none
 * @param proxyProtocol {@code PROXY_PROTOCOL}: the HTTP port expects a PROXY protocol (v1 or v2)
 *     header on every connection, as an L4 load balancer sends it, and takes the client address
 *     from it
 */
public record LimitsConfig(int maxConnectionsPerIp, int connectionRatePerIp, TrustedProxies trustedProxies, boolean proxyProtocol, int maxProfileEventsPerSecond) {

  public LimitsConfig {
    requireNonNull(trustedProxies, "trustedProxies");
  }

  public static LimitsConfig fromEnvironment(EnvReader env) {
    return new LimitsConfig(
        env.integer("MAX_CONNECTIONS_PER_IP", 0, 0, 10_000_000),
        env.integer("CONNECTION_RATE_PER_IP", 0, 0, 1_000_000),
        TrustedProxies.parse("TRUSTED_PROXIES", env.list("TRUSTED_PROXIES")),
        env.bool("PROXY_PROTOCOL", false),
        env.integer("MAX_PROFILE_EVENTS_PER_SECOND", 0, 0, 1_000_000));
  }
}
