package io.chatgateway.bench.report;

/**
 * What one scenario reports: a Markdown section (a heading, a table and a line or two of reading) and
 * the same figures as JSON. Charts, if any, the scenario has already written next to them.
 */
public record ScenarioResult(String name, String markdown, JsonObject json) {}
