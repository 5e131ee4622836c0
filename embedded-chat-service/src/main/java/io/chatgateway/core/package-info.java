/**
 * An in-memory implementation of the core {@code chat.v1.ChatService}.
 *
 * <p>{@link io.chatgateway.core.EmbeddedChatService} is the gRPC face; it resolves the caller (see
 * {@link io.chatgateway.core.CallerIdentityServerInterceptor}) and delegates to {@link
 * io.chatgateway.core.ChatCore} (events, rooms) and {@link io.chatgateway.core.RoomMembers} (members,
 * roles, receipts). Both keep every room in a {@link io.chatgateway.core.RoomState} of the shared
 * {@link io.chatgateway.core.RoomStore}, guarded by that room's monitor. Rules of who may do what live
 * in {@link io.chatgateway.core.RoomPermissions}; input limits in {@link
 * io.chatgateway.core.RequestLimits}. Every accepted change is published, in room order, through an
 * {@link io.chatgateway.bus.EventPublisher}; an event the bus refuses is not stored. With a {@link
 * io.chatgateway.core.CoreJournal} every change is also appended to a file, replayed at start.
 */
package io.chatgateway.core;
