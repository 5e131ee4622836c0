/**
 * The chat gateway process. {@link io.chatgateway.gateway.Main} parses the command line and starts a
 * {@link io.chatgateway.gateway.GatewayServer}, which assembles the transports, the session core, the
 * upstream client and the engine.
 */
package io.chatgateway.gateway;
