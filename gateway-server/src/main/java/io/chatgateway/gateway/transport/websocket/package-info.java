/**
 * The WebSocket transport of device sessions: browsers reach the same {@link
 * io.chatgateway.gateway.session.DeviceSession} as gRPC devices. Text frames carry the protobuf JSON
 * mapping, binary frames the protobuf encoding; the first frame chooses, and the gateway answers in kind.
 * Sockets that upgraded without a token hold a bounded slot ({@code
 * MAX_UNAUTHENTICATED_CONNECTIONS}, a {@link io.chatgateway.gateway.limits.ConcurrencyLimit}) until their hello
 * authenticates them, and are closed when the hello window passes first.
 */
package io.chatgateway.gateway.transport.websocket;
