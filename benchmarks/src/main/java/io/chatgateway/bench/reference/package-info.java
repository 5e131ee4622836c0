/**
 * References measured in the same run as the gateway: a bare grpc-java server with default settings
 * (idle capacity) and {@code nats-server} (raw fan-out speed, started by the fan-out scenario).
 */
package io.chatgateway.bench.reference;
