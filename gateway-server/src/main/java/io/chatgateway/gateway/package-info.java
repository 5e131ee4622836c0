/**
 * The chat gateway process. {@link io.chatgateway.gateway.Main} parses the command line and starts a
 * {@link io.chatgateway.gateway.GatewayServer}, which assembles its parts: the {@link
 * io.chatgateway.gateway.Backplane} (engine, directory), the {@link io.chatgateway.gateway.Upstream}
 * core, the session core, the transports, and {@link io.chatgateway.gateway.Readiness}.
 */
package io.chatgateway.gateway;
