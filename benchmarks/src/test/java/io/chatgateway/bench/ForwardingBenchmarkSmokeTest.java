package io.chatgateway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the forwarding scenario at a tiny size so the harness cannot rot; asserts shape, never speed. */
class ForwardingBenchmarkSmokeTest {

  @Test
  void theScenarioRunsAndReportsEveryTargetWithoutErrors() throws Exception {
    List<ForwardingBenchmark.Result> results =
        ForwardingBenchmark.run(new ForwardingBenchmark.Options(40, 4, 1, 10), message -> {});
    assertEquals(6, results.size(), results.toString());
    for (ForwardingBenchmark.Result result : results) {
      assertEquals(0, result.errors(), result.toString());
      assertTrue(result.callsPerSecond() > 0, result.toString());
    }
    String markdown = BenchMain.forwardingMarkdown(new ForwardingBenchmark.Options(40, 4, 1, 10), results);
    assertTrue(markdown.contains("gateway, pass-through") && markdown.contains("vs direct"), markdown);
  }
}
