/**
 * The gRPC transport of device sessions: {@code chat.v1.ChatService/Connect} streams adapted onto
 * {@link io.chatgateway.gateway.session.DeviceSession}. Inbound frames arrive as raw bytes (the
 * session decodes them with its limits); outbound events leave as the bytes they were encoded to
 * once. The gRPC server's settings for device ports ({@link
 * io.chatgateway.gateway.transport.grpc.GrpcServers}), the event loops that serve device
 * connections and run their sessions ({@link io.chatgateway.gateway.transport.grpc.DeviceEventLoops}),
 * and the header table a device connection gives back ({@link
 * io.chatgateway.gateway.transport.grpc.HeaderTableRelease}).
 */
package io.chatgateway.gateway.transport.grpc;
