/**
 * The load generator: simulated devices that are far lighter than the gateway per connection. gRPC
 * devices share one small Netty event loop and run their callbacks on it; WebSocket devices share two
 * Netty event-loop threads. A fleet of tens of thousands runs in separate {@link
 * io.chatgateway.bench.loadgen.LoadGenMain} processes, each under the per-process open-file limit and
 * each with its own loopback source address. NATS clients for the fan-out reference run on the same
 * kind of event loop, so both sides of a comparison pay the same client costs.
 */
package io.chatgateway.bench.loadgen;
