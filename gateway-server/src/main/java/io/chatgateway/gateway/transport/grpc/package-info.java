/**
 * The gRPC transport of device sessions: {@code chat.v1.ChatService/Connect} streams adapted onto
 * {@link io.chatgateway.gateway.session.DeviceSession}. Inbound frames arrive as raw bytes (the
 * session decodes them with its limits); outbound events leave as the bytes they were encoded to
 * once.
 */
package io.chatgateway.gateway.transport.grpc;
