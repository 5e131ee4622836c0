/**
 * The WebSocket transport of device sessions: browsers reach the same {@link
 * io.chatgateway.gateway.session.DeviceSession} as gRPC devices. Text frames carry the protobuf JSON
 * mapping, binary frames the protobuf encoding; the first frame chooses, and the gateway answers in kind.
 */
package io.chatgateway.gateway.transport.websocket;
