package io.chatgateway.gateway.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard ({@code deploy/grafana/chat-gateway.json}) and the alert rules ({@code
 * deploy/k8s/monitoring/prometheus-rule.yaml}) against a real gateway on the Redis engine, after a
 * device connected, subscribed and got an event: every series any query names is one the gateway
 * exports on {@code /metrics}; the dashboard covers what an operator watches and is well formed;
 * every alert has a severity, a wait, and a runbook in {@code deploy/README.md} that its
 * {@code runbook_url} points at.
 */
class MonitoringTest {

  static final Path DEPLOY = DeployManifestsTest.DEPLOY;
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Names in PromQL that are not series: keywords; function and aggregation names are followed by "(". */
  static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan");

  @Order(1)
  @RegisterExtension
  static final RedisExtension redis = RedisExtension.standalone();

  @Order(2)
  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(() -> Map.of("CACHE_URI", redis.cacheUri(), "INTERNAL_PORT", "0"));

  static Set<String> exported;

  @BeforeAll
  static void aGatewayThatDidSomeWork() throws Exception {
    String room = gateway.createRoom("watcher", "talker");
    try (DeviceClient device = DeviceClient.connect(gateway.channel(), TestTokens.valid("watcher", "phone"), "watcher")) {
      device.hello();
      device.subscribe(room);
      gateway.sendText("talker", room, "hello, dashboard");
      device.await(event -> event.hasRoomEvent() && event.getRoomEvent().getText().getText().equals("hello, dashboard"), "the event");
    }
    Await.until(
        Duration.ofSeconds(20),
        () -> {
          Set<String> series = scrape();
          if (!series.contains("jvm_gc_duration_seconds_sum")) {
            System.gc(); // GC time is recorded per collection: there must have been one
          }
          return series.contains("chat_gateway_fanout_duration_seconds_bucket")
              && series.contains("chat_gateway_engine_lag_seconds")
              && series.contains("jvm_gc_duration_seconds_sum");
        },
        "fan-out, engine lag and GC series exported");
    exported = scrape();
  }

  @Test
  void everyQueryNamesASeriesTheGatewayExports() throws Exception {
    Map<String, String> queries = new LinkedHashMap<>();
    queries.putAll(dashboardQueries());
    queries.putAll(alertQueries());
    assertTrue(queries.size() > 40, "queries found: " + queries.size());
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, String> query : queries.entrySet()) {
      Set<String> names = seriesIn(query.getValue());
      assertFalse(names.isEmpty(), query.getKey() + " names no series: " + query.getValue());
      for (String name : names) {
        if (!exported.contains(name)) {
          unknown.add(query.getKey() + ": " + name);
        }
      }
    }
    assertEquals(List.of(), unknown, "series the gateway does not export; it exports " + exported);
  }

  @Test
  void theDashboardShowsWhatAnOperatorWatches() throws Exception {
    Set<String> shown = new TreeSet<>();
    dashboardQueries().values().forEach(query -> shown.addAll(seriesIn(query)));
    for (String series :
        List.of(
            "chat_gateway_connections_active", "chat_gateway_sessions_opened_total", "chat_gateway_sessions_closed_total",
            "chat_gateway_fanout_deliveries_total", "chat_gateway_fanout_duration_seconds_bucket", "chat_gateway_slow_consumers_cut_total",
            "chat_gateway_upstream_duration_seconds_bucket", "chat_gateway_upstream_duration_seconds_count", "chat_gateway_upstream_breaker_open",
            "chat_gateway_engine_healthy", "chat_gateway_engine_lag_seconds", "jvm_memory_used_bytes", "jvm_gc_duration_seconds_sum")) {
      assertTrue(shown.contains(series), "the dashboard shows " + series + "; it shows " + shown);
    }
    JsonNode dashboard = JSON.readTree(DEPLOY.resolve("grafana/chat-gateway.json").toFile());
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique: " + panel.path("id"));
      JsonNode grid = panel.path("gridPos");
      assertTrue(grid.path("x").asInt() + grid.path("w").asInt() <= 24, panel.path("title") + " fits the 24-column grid");
      if (!panel.path("type").asText().equals("row")) {
        assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), panel.path("title") + " uses the datasource variable");
        assertFalse(panel.path("description").asText().isEmpty(), panel.path("title") + " says what it shows");
        Set<String> refIds = new HashSet<>();
        for (JsonNode target : panel.path("targets")) {
          assertTrue(refIds.add(target.path("refId").asText()), panel.path("title") + ": refIds are unique");
        }
      }
    }
  }

  @Test
  void everyAlertHasASeverityAWaitAndARunbook() throws Exception {
    String runbooks = Files.readString(DEPLOY.resolve("README.md"));
    JsonNode rule = YAML.readTree(DEPLOY.resolve("k8s/monitoring/prometheus-rule.yaml").toFile());
    assertEquals("monitoring.coreos.com/v1", rule.path("apiVersion").asText());
    assertEquals("PrometheusRule", rule.path("kind").asText());
    Set<String> alerts = new TreeSet<>();
    for (JsonNode group : rule.path("spec").path("groups")) {
      for (JsonNode alert : group.path("rules")) {
        String name = alert.path("alert").asText();
        assertTrue(alerts.add(name), "alert names are unique: " + name);
        assertTrue(Set.of("warning", "critical").contains(alert.path("labels").path("severity").asText()), name + " has a severity");
        assertTrue(alert.path("for").asText().matches("[0-9]+[smh]"), name + " waits before firing");
        assertFalse(alert.path("annotations").path("summary").asText().isEmpty(), name + " has a summary");
        String anchor = name.toLowerCase(Locale.ROOT);
        assertEquals("deploy/README.md#" + anchor, alert.path("annotations").path("runbook_url").asText(), name + "'s runbook_url");
        assertTrue(runbooks.contains("\n### " + name + "\n"), name + " has a runbook section in deploy/README.md");
      }
    }
    for (String required :
        List.of(
            "ChatGatewayConnectionsNearCapacity", "ChatGatewaySlowConsumerCutsRising", "ChatGatewayUpstreamBreakerOpen", "ChatGatewayEngineUnhealthy",
            "ChatGatewayFanoutLatencyHigh", "ChatGatewayNotReady")) {
      assertTrue(alerts.contains(required), "alert " + required + " in " + alerts);
    }
  }

  @Test
  void theQueryReaderFindsSeriesAndOnlySeries() {
    assertEquals(
        Set.of("a_bucket", "b_total"),
        seriesIn("histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{code=~\"X|Y\",instance=~\"$instance\"}[$__rate_interval]))) / on (instance) group_left sum(b_total offset 5m) > 0.5"));
    assertEquals(Set.of("c"), seriesIn("label_values(c, instance)"));
    assertEquals(Set.of("d"), seriesIn("absent(d) or vector(0)"));
  }

  /** Metric names a PromQL expression (or a Grafana {@code label_values} query) reads. */
  static Set<String> seriesIn(String query) {
    String stripped =
        query
            .replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
            .replaceAll("'(\\\\.|[^'\\\\])*'", "''")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,[^)]*\\)", " $1 ");
    Set<String> names = new TreeSet<>();
    Matcher identifier = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w.])(\\s*\\()?").matcher(stripped);
    while (identifier.find()) {
      String name = identifier.group(1);
      boolean call = identifier.group(2) != null;
      if (!call && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
        names.add(name);
      }
    }
    return names;
  }

  /** Every query of the dashboard, by where it is. */
  static Map<String, String> dashboardQueries() throws Exception {
    JsonNode dashboard = JSON.readTree(DEPLOY.resolve("grafana/chat-gateway.json").toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        queries.put("variable " + variable.path("name").asText(), variable.path("query").path("query").asText());
      }
    }
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(panels::add);
    dashboard.path("panels").forEach(row -> row.path("panels").forEach(panels::add));
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        queries.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(), target.path("expr").asText());
      }
    }
    return queries;
  }

  /** Every expression of the alert rules, by alert. */
  static Map<String, String> alertQueries() throws Exception {
    JsonNode rule = YAML.readTree(DEPLOY.resolve("k8s/monitoring/prometheus-rule.yaml").toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode group : rule.path("spec").path("groups")) {
      for (JsonNode alert : group.path("rules")) {
        queries.put("alert " + alert.path("alert").asText(), alert.path("expr").asText());
      }
    }
    return queries;
  }

  /** The series names on the gateway's /metrics right now. */
  static Set<String> scrape() {
    Set<String> names = new TreeSet<>();
    gateway.metricsText().lines().filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(line -> names.add(line.split("[{ ]", 2)[0]));
    return names;
  }
}
