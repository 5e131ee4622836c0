/**
 * The benchmark scenarios. Each starts what it measures, runs the same work against the gateway and
 * against its reference in one run, stops everything it started, and returns a {@link
 * io.chatgateway.bench.report.ScenarioResult}. Ratios measured side by side are the result; absolute
 * figures are context, since this machine is shared and small.
 */
package io.chatgateway.bench.scenario;
