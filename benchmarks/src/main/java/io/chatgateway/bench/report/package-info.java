/** What a benchmark run writes: Markdown tables, a JSON document and PNG charts under bench/results. */
package io.chatgateway.bench.report;
