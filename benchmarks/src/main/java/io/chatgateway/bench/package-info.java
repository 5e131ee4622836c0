/**
 * The benchmark harness. Each scenario measures our gateway and a reference side by side in one run.
 * On a shared 2-core machine, ratios from the same run mean more than absolute figures.
 * {@link io.chatgateway.bench.BenchMain} is the command-line entry point.
 */
package io.chatgateway.bench;
