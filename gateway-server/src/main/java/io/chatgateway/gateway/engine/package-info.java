/**
 * Engines: how room envelopes travel between the core and every gateway with subscribers in the room.
 * They implement the session core's ports in {@code backplane}: {@link
 * io.chatgateway.gateway.engine.InMemoryEngine} serves a single process; {@link
 * io.chatgateway.gateway.engine.RedisEngine} and {@link io.chatgateway.gateway.engine.RedisDirectory}
 * serve many, through Redis. Resume records live in {@link
 * io.chatgateway.gateway.engine.InMemoryResumeRecords} or, so a token works on every gateway, {@link
 * io.chatgateway.gateway.engine.RedisResumeRecords}. Nothing here depends on the session core itself.
 */
package io.chatgateway.gateway.engine;
