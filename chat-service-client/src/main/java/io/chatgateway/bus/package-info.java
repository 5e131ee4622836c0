/**
 * The publishing side of the event bus: how a core announces accepted events to the gateways.
 *
 * <p>A core publishes one {@link io.chatgateway.proto.v1.BusEnvelope} per room-scoped happening
 * through an {@link io.chatgateway.bus.EventPublisher}; the gateway's engines (in memory, Redis)
 * implement it and deliver the envelope to every session subscribed to the room.
 */
package io.chatgateway.bus;
