/**
 * The publishing side of the event bus: how a core announces accepted events to the gateways.
 *
 * <p>A core publishes one {@link io.chatgateway.proto.v1.BusEnvelope} per room-scoped happening
 * through an {@link io.chatgateway.bus.EventPublisher}; the gateway's engines (in memory, Redis)
 * implement it and deliver the envelope to every session subscribed to the room. The Redis names
 * live in {@link io.chatgateway.bus.RedisChannels} (ids escaped inside keys), and what arrives on a
 * room channel is read by {@link io.chatgateway.bus.BusEnvelopes}, which takes only envelopes of
 * that room.
 */
package io.chatgateway.bus;
