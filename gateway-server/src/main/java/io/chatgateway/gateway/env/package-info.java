/**
 * Reading configuration from environment variables: {@link io.chatgateway.gateway.env.EnvReader}
 * parses and range-checks values, {@link io.chatgateway.gateway.env.ConfigException} names the
 * variable that is wrong. Depends on nothing else in the gateway, so every package's own settings
 * ({@code AuthConfig}, {@code HttpConfig}, {@code SessionConfig}, ...) can use it and {@code
 * config.GatewayConfig} can gather them without a cycle.
 */
package io.chatgateway.gateway.env;
