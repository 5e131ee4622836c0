/**
 * The device client library: one resumable {@code chat.v1.ChatService/Connect} stream with the
 * reconnect, resume, gap-fill and outbox logic every device would otherwise write itself.
 *
 * <p>Entry point: {@link io.chatgateway.device.ChatClient#builder()}; events arrive at a
 * {@link io.chatgateway.device.ChatListener}. Data flows one way in and one way out: the gateway's
 * stream → the client's loop (ordering, de-duplication, gap fill) → the listener's serial executor;
 * calls → the loop → the stream, with unacked sends kept in an outbox until the gateway acks them.
 *
 * <p>Threading: every piece of the client's state is owned by one serial loop (a single thread, or
 * a test's fake scheduler); public methods hand their work to it and may be called from any
 * thread. Listener callbacks and the completion of returned futures run on one serial executor.
 *
 * <p>Dependencies: the generated contract ({@code chat-gateway-proto}) and grpc-java, nothing else.
 */
package io.chatgateway.device;
