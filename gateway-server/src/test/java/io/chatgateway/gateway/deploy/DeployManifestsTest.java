package io.chatgateway.gateway.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.telemetry.GatewayMetrics;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every manifest under deploy/k8s, read into the Kubernetes API model (fabric8). A field the model
 * does not know (a typo, a wrong nesting) is a failure. The manifests are also checked against the
 * gateway itself: the metric the HPA scales on is one the gateway exports, probes hit paths a real
 * gateway serves, ports line up, the grace period covers the drain, and the configuration passes the
 * gateway's own validation.
 */
class DeployManifestsTest {

  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  static final Map<String, Class<?>> MODELS =
      Map.of(
          "apps/v1/Deployment", Deployment.class,
          "v1/Service", Service.class,
          "v1/ConfigMap", ConfigMap.class,
          "v1/Secret", Secret.class,
          "v1/Namespace", Namespace.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
          "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
          "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("INTERNAL_PORT", "0"));

  record Document(Path file, JsonNode node) {
    String key() {
      return node.path("apiVersion").asText() + "/" + node.path("kind").asText();
    }
  }

  static List<Document> documents() throws Exception {
    List<Document> documents = new ArrayList<>();
    try (Stream<Path> files = Files.walk(DEPLOY.resolve("k8s"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
          var nodes = YAML.readValues(parser, JsonNode.class);
          while (nodes.hasNext()) {
            JsonNode node = nodes.next();
            if (node != null && !node.isNull() && !node.isEmpty()) {
              documents.add(new Document(file, node));
            }
          }
        }
      }
    }
    assertFalse(documents.isEmpty(), "manifests under " + DEPLOY);
    return documents;
  }

  @SuppressWarnings("unchecked")
  static <T> List<T> all(List<Document> documents, Class<T> type) {
    List<T> found = new ArrayList<>();
    for (Document document : documents) {
      if (MODELS.get(document.key()) == type) {
        found.add((T) YAML.convertValue(document.node(), type));
      }
    }
    return found;
  }

  @Test
  void everyManifestMatchesTheKubernetesModelExactly() throws Exception {
    for (Document document : documents()) {
      Class<?> model = MODELS.get(document.key());
      if (model != null) {
        Object parsed = YAML.convertValue(document.node(), model);
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, document.node().path("kind").asText(), unknown, new IdentityHashMap<>());
        assertEquals(List.of(), unknown, document.file() + ": fields the Kubernetes API does not have");
      } else if (document.key().startsWith("kustomize.config.k8s.io/")) {
        for (JsonNode resource : document.node().path("resources")) {
          assertTrue(Files.exists(document.file().getParent().resolve(resource.asText())), document.file() + " lists missing " + resource.asText());
        }
      } else if (document.key().equals("cert-manager.io/v1/Certificate")) {
        JsonNode spec = document.node().path("spec");
        assertEquals("PKCS8", spec.path("privateKey").path("encoding").asText(), document.file() + ": the gateway reads PKCS#8 keys only");
        assertFalse(spec.path("secretName").asText().isEmpty(), document.file() + ": secretName");
        assertFalse(spec.path("issuerRef").path("name").asText().isEmpty(), document.file() + ": issuerRef");
      } else if (document.key().equals("keda.sh/v1alpha1/ScaledObject")) {
        JsonNode trigger = document.node().path("spec").path("triggers").path(0);
        assertEquals("prometheus", trigger.path("type").asText());
        assertTrue(trigger.path("metadata").path("query").asText().contains(GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS));
        assertEquals("chat-gateway", document.node().path("spec").path("scaleTargetRef").path("name").asText());
      } else if (document.key().equals("monitoring.coreos.com/v1/PrometheusRule")) {
        // MonitoringTest checks its alerts against the gateway's series and the runbooks.
        assertFalse(document.node().path("spec").path("groups").path(0).path("rules").isEmpty(), document.file() + ": rules");
      } else {
        throw new AssertionError(document.file() + ": no schema check for " + document.key());
      }
    }
  }

  @Test
  void theAutoscalersScaleOnAMetricTheGatewayExports() throws Exception {
    List<Document> documents = documents();
    HorizontalPodAutoscaler hpa = all(documents, HorizontalPodAutoscaler.class).get(0);
    assertEquals(GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS, hpa.getSpec().getMetrics().get(0).getPods().getMetric().getName());
    String adapter = all(documents, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals("prometheus-adapter")).findFirst().orElseThrow().getData().get("config.yaml");
    assertTrue(adapter.contains("seriesQuery: '" + GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS), adapter);
    HttpResponse<String> metrics = internal("/metrics");
    assertTrue(metrics.body().contains("# TYPE " + GatewayMetrics.ACTIVE_CONNECTIONS_PROMETHEUS + " gauge"), "the gateway exports it: " + metrics.body());
  }

  @Test
  void probesPortsAndGraceMatchTheGateway() throws Exception {
    List<Document> documents = documents();
    Deployment deployment = all(documents, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("chat-gateway")).findFirst().orElseThrow();
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Set<String> portNames = new java.util.HashSet<>();
    container.getPorts().stream().map(ContainerPort::getName).forEach(portNames::add);
    for (Probe probe : List.of(container.getLivenessProbe(), container.getReadinessProbe(), container.getStartupProbe())) {
      HTTPGetAction http = probe.getHttpGet();
      assertEquals("internal", http.getPort().getStrVal(), "probes use INTERNAL_PORT, which stays plaintext under TLS");
      int status = internal(http.getPath()).statusCode();
      assertTrue(status == 200 || status == 503, http.getPath() + " is served (got " + status + ")");
      assertEquals(404, get(http.getPath()).statusCode(), http.getPath() + " is not on the device-facing HTTP port");
    }
    assertEquals(
        container.getPorts().stream().filter(p -> p.getName().equals("internal")).findFirst().orElseThrow().getContainerPort().toString(),
        deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/port"),
        "Prometheus scrapes the internal port");
    assertEquals("/readyz", container.getReadinessProbe().getHttpGet().getPath());
    assertEquals("/healthz", container.getLivenessProbe().getHttpGet().getPath());
    for (Service service : all(documents, Service.class)) {
      if (service.getSpec().getSelector().get("app.kubernetes.io/name").equals("chat-gateway")) {
        for (ServicePort port : service.getSpec().getPorts()) {
          assertTrue(portNames.contains(port.getTargetPort().getStrVal()), service.getMetadata().getName() + " targets " + port.getTargetPort());
        }
      }
    }
    ConfigMap config = all(documents, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals("chat-gateway")).findFirst().orElseThrow();
    int grace = Integer.parseInt(config.getData().get("SHUTDOWN_GRACE_SEC"));
    List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
    int preStopSeconds = Integer.parseInt(preStop.get(preStop.size() - 1));
    assertTrue(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > grace + preStopSeconds, "grace covers preStop + drain");
    assertEquals(
        Integer.parseInt(config.getData().get("GRPC_PORT")),
        container.getPorts().stream().filter(p -> p.getName().equals("grpc")).findFirst().orElseThrow().getContainerPort(),
        "the container port is the one GRPC_PORT binds");
    assertEquals(
        Integer.parseInt(config.getData().get("HTTP_PORT")),
        container.getPorts().stream().filter(p -> p.getName().equals("http")).findFirst().orElseThrow().getContainerPort(),
        "the container port is the one HTTP_PORT binds");
    assertEquals(
        Integer.parseInt(config.getData().get("INTERNAL_PORT")),
        container.getPorts().stream().filter(p -> p.getName().equals("internal")).findFirst().orElseThrow().getContainerPort(),
        "the container port is the one INTERNAL_PORT binds");
  }

  @Test
  void theTlsOverlayMountsTheSecretItsCertificateWritesAndTheGatewayAcceptsIt() throws Exception {
    List<Document> documents = documents();
    Path overlay = DEPLOY.resolve("k8s/overlays/tls");
    Document certificate = documents.stream().filter(d -> d.key().equals("cert-manager.io/v1/Certificate")).findFirst().orElseThrow();
    Deployment patch =
        YAML.convertValue(documents.stream().filter(d -> d.file().startsWith(overlay) && d.key().equals("apps/v1/Deployment")).findFirst().orElseThrow().node(), Deployment.class);
    Container container = patch.getSpec().getTemplate().getSpec().getContainers().get(0);
    var volume = patch.getSpec().getTemplate().getSpec().getVolumes().get(0);
    assertEquals(certificate.node().path("spec").path("secretName").asText(), volume.getSecret().getSecretName(), "the pods mount the Secret cert-manager writes");
    String mountPath = container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow().getMountPath();
    Map<String, String> env = new HashMap<>();
    all(documents, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals("chat-gateway")).forEach(c -> env.putAll(c.getData()));
    all(documents, Secret.class).forEach(s -> env.putAll(s.getStringData()));
    container.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
    // cert-manager's Secret keys are tls.crt and tls.key.
    assertEquals(mountPath + "/tls.crt", env.get("TLS_CERT_FILE"));
    assertEquals(mountPath + "/tls.key", env.get("TLS_KEY_FILE"));
    GatewayConfig config = GatewayConfig.fromEnvironment(env);
    assertTrue(config.tls().isPresent(), "the overlay turns TLS on");
    assertTrue(config.http().internalPort().isPresent(), "probes keep a plaintext port");
  }

  @Test
  void onlyGatewaysMayReachTheCore() throws Exception {
    List<Document> documents = documents();
    NetworkPolicy policy = all(documents, NetworkPolicy.class).get(0);
    Deployment core = all(documents, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("chat-core")).findFirst().orElseThrow();
    Deployment gatewayDeployment = all(documents, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("chat-gateway")).findFirst().orElseThrow();
    assertEquals(core.getSpec().getTemplate().getMetadata().getLabels(), policy.getSpec().getPodSelector().getMatchLabels(), "the policy selects the core's pods");
    assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
    assertEquals(1, policy.getSpec().getIngress().size());
    var rule = policy.getSpec().getIngress().get(0);
    assertEquals(1, rule.getFrom().size(), "one source");
    assertEquals(gatewayDeployment.getSpec().getTemplate().getMetadata().getLabels(), rule.getFrom().get(0).getPodSelector().getMatchLabels(), "only gateway pods");
    assertEquals(
        core.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0).getContainerPort(),
        rule.getPorts().get(0).getPort().getIntVal(),
        "on the core's port");
  }

  @Test
  void theShippedConfigurationPassesTheGatewaysOwnValidation() throws Exception {
    List<Document> documents = documents();
    Map<String, String> env = new HashMap<>();
    all(documents, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals("chat-gateway")).forEach(c -> env.putAll(c.getData()));
    all(documents, Secret.class).forEach(s -> env.putAll(s.getStringData()));
    env.put("GATEWAY_ID", "chat-gateway-7d9f8-abcde");
    GatewayConfig config = GatewayConfig.fromEnvironment(env);
    assertEquals("chat-core:50052", config.chatServiceTarget().orElseThrow());
    assertTrue(config.cache().isPresent());
    assertFalse(config.auth().devMode(), "the manifests never run development mode");
    String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
    assertTrue(dockerfile.contains("gateway-server/target/chat-gateway.jar"), "the image runs the jar the README runs");
    assertNotEquals(-1, dockerfile.indexOf("USER 10001"), "non-root");
  }

  private static HttpResponse<String> internal(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().internalPort().orElseThrow() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Collects non-empty additionalProperties anywhere in a fabric8 object graph. */
  private static void unknownFields(Object value, String path, List<String> unknown, Map<Object, Boolean> seen) throws Exception {
    if (value == null || seen.put(value, true) != null) {
      return;
    }
    if (value instanceof Collection<?> collection) {
      int i = 0;
      for (Object item : collection) {
        unknownFields(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown, seen);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
        continue;
      }
      Object child = getter.invoke(value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
        continue;
      }
      unknownFields(child, path + "." + getter.getName().substring(3), unknown, seen);
    }
  }
}
