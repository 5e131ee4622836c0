/**
 * Start-up configuration: {@link io.chatgateway.gateway.config.GatewayConfig} is built once from the
 * environment by {@link io.chatgateway.gateway.config.GatewayConfig#fromEnvironment}; a bad value
 * stops start-up with a {@link io.chatgateway.gateway.env.ConfigException} naming the variable.
 */
package io.chatgateway.gateway.config;
