/**
 * Processes the harness starts and measures: the gateway, the references (bare grpc-java, nats-server,
 * redis-server) and load generators. Each runs as its own OS process so that its memory and CPU can be
 * read apart from the harness's own, and so that each stays under the per-process open-file limit.
 */
package io.chatgateway.bench.process;
