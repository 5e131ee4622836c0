/**
 * Engines: how room envelopes travel between the core and every gateway with subscribers in the room.
 * {@link io.chatgateway.gateway.engine.InMemoryEngine} serves a single process; the Redis engine
 * serves many.
 */
package io.chatgateway.gateway.engine;
