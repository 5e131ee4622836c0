/**
 * Forwarding of the unary and server-streaming RPCs to the core.
 *
 * <p>{@link io.chatgateway.gateway.forward.ForwardedChatService} builds the gateway's {@code
 * chat.v1.ChatService} definition: every method but {@code Connect} is relayed by a {@link
 * io.chatgateway.gateway.forward.ForwardingCallHandler}, which respects flow control on both legs and
 * passes message bytes through without parsing them ({@link
 * io.chatgateway.gateway.forward.RawBytesMarshaller}). {@link
 * io.chatgateway.gateway.forward.GrpcCoreCalls} is the device session's port to the core over the
 * same channel.
 */
package io.chatgateway.gateway.forward;
