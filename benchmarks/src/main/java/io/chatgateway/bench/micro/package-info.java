/**
 * JMH micro-benchmarks of the session core's hot paths (frame decoding, encode-once fan-out, the
 * outbound queue), reached through the session package's public API. Run with {@code bench/run.sh
 * micro}.
 */
package io.chatgateway.bench.micro;
