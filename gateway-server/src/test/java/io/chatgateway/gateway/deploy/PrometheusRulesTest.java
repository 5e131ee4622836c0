package io.chatgateway.gateway.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chatgateway.gateway.testing.NodeScripts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The alert rules under Prometheus's own tool: {@code promtool check rules} parses every
 * expression, and {@code promtool test rules} runs {@code src/test/promtool/alerts-test.yaml}, where
 * each alert fires on synthetic series that should wake someone, for the instance concerned only,
 * and not on series just short of it. Every alert must have such a test. promtool comes with
 * Debian's {@code prometheus} package, which {@code .ci/run} installs; without it the test is skipped
 * and says why.
 */
class PrometheusRulesTest {

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void everyAlertParsesAndFiresWhenItShould() throws Exception {
    String promtool = NodeScripts.onPath("promtool");
    if (promtool == null) {
      String reason = "promtool is not installed (Debian's 'prometheus' package, as .ci/run installs it): alert rules not run";
      System.out.println("test skipped: " + reason);
      Assumptions.abort(reason);
    }
    Path work = Files.createDirectories(Path.of("target", "promtool").toAbsolutePath());
    JsonNode rule = YAML.readTree(MonitoringTest.DEPLOY.resolve("k8s/monitoring/prometheus-rule.yaml").toFile());
    // promtool reads plain rule files: the PrometheusRule's spec is one.
    YAML.writeValue(work.resolve("rules.yaml").toFile(), rule.path("spec"));
    Path tests = Files.copy(Path.of("src", "test", "promtool", "alerts-test.yaml"), work.resolve("alerts-test.yaml"), StandardCopyOption.REPLACE_EXISTING);

    assertTested(rule, YAML.readTree(tests.toFile()));
    run(work, promtool, "check", "rules", "rules.yaml");
    run(work, promtool, "test", "rules", "alerts-test.yaml");
  }

  /** Every alert of {@code rule} is expected to fire somewhere in {@code tests}. */
  private static void assertTested(JsonNode rule, JsonNode tests) {
    Set<String> alerts = new TreeSet<>();
    rule.path("spec").path("groups").forEach(group -> group.path("rules").forEach(alert -> alerts.add(alert.path("alert").asText())));
    Set<String> firing = new TreeSet<>();
    for (JsonNode test : tests.path("tests")) {
      for (JsonNode expectation : test.path("alert_rule_test")) {
        if (!expectation.path("exp_alerts").isEmpty()) {
          firing.add(expectation.path("alertname").asText());
        }
      }
    }
    assertEquals(alerts, firing, "alerts with a promtool test that makes them fire");
  }

  private static void run(Path work, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(2, TimeUnit.MINUTES), String.join(" ", command) + " did not finish");
    assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
  }
}
