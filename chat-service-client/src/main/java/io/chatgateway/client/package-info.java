/**
 * The gateway's client for the core chat service.
 *
 * <p>{@link io.chatgateway.client.ChatServiceClient} owns one long-lived channel to the core and
 * decorates every call with, in order: the caller's identity ({@link
 * io.chatgateway.client.CallerIdentity}), a deadline ({@link
 * io.chatgateway.client.DeadlineInterceptor}), and a fail-fast circuit breaker ({@link
 * io.chatgateway.client.CircuitBreaker}). Idempotent reads are retried by gRPC's own retry
 * machinery, configured through the service config ({@link io.chatgateway.client.RetryPolicy}).
 *
 * <p>{@link io.chatgateway.client.Ids} is the one rule for profile, device and room ids, shared by
 * gateways (when a token is verified) and cores (when identity metadata arrives); the identity
 * travels as UTF-8 bytes in binary metadata, exactly.
 */
package io.chatgateway.client;
