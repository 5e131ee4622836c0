package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.NodeScripts;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP port from clients we did not write, pinned in {@code src/test/rpc-clients/package.json}
 * and built on the contract's descriptors at run time: connect-es ({@code @connectrpc/connect-node}'s
 * Connect transport in JSON and binary, {@code @connectrpc/connect-web}'s gRPC-Web transport over
 * fetch in binary and JSON, connect-node's gRPC-Web transport; {@code real-clients.mjs}) and Google's
 * {@code grpc-web} client in text and binary mode over XMLHttpRequest ({@code grpc-web-clients.mjs}).
 * Each makes unary calls and gets their errors against the embedded core, streams {@code
 * SearchRooms}, and against {@link StreamingCore} gets a failure mid-stream; connect-es also runs
 * into a deadline and cancels a stream, which the core must see (xhr2, under Google's client in
 * node, hands a stream over only when it ends). Skipped, saying so, without Node.js.
 */
class RealRpcClientsTest {

  static final List<String> TRANSPORTS = List.of("connect-json", "connect-proto", "grpc-web-fetch-proto", "grpc-web-fetch-json", "grpc-web-node-proto");
  static final List<String> CHECKS = List.of("unary", "unary-errors", "stream", "stream-refused", "error-mid-stream", "deadline", "cancel");
  static final List<String> GOOGLE_TRANSPORTS = List.of("google-grpc-web-text", "google-grpc-web-binary");
  static final List<String> GOOGLE_CHECKS = List.of("unary", "unary-errors", "stream", "error-mid-stream");

  static final StreamingCore core = new StreamingCore();

  @RegisterExtension static final GatewayExtension embedded = GatewayExtension.standard();

  @RegisterExtension
  static final GatewayExtension streaming =
      GatewayExtension.withEnv(() -> Map.of("CHAT_SERVICE_URI", "localhost:" + core.port(), "UPSTREAM_TIMEOUT_MS", "120000"));

  @AfterAll
  static void stopCore() {
    core.close();
  }

  @Test
  void connectEsClientsCallStreamFailAndCancel() throws Exception {
    assertPassed(start("real-clients.mjs", "es-client").awaitSuccess(180), TRANSPORTS, CHECKS);
    // Every client cancelled a stream of its own (the upstream deadline is 2 minutes away): the
    // core must have seen each cancel.
    for (String transport : TRANSPORTS) {
      Await.until(Duration.ofSeconds(30), () -> core.cancelled.contains("endless-cancel-" + transport), () -> transport + "'s cancel reached the core");
    }
  }

  @Test
  void googlesGrpcWebClientCallsStreamsAndFailsInTextAndBinary() throws Exception {
    assertPassed(start("grpc-web-clients.mjs", "google-client").awaitSuccess(180), GOOGLE_TRANSPORTS, GOOGLE_CHECKS);
  }

  /** Starts a client script against both gateways as {@code profile}. */
  private static NodeScripts.Run start(String script, String profile) throws Exception {
    NodeScripts clients = NodeScripts.prepare("rpc-clients", "the clients are JavaScript (connect-es, grpc-web)");
    Path descriptors = clients.work().resolve("chat-v1.binpb");
    Files.write(descriptors, descriptorSet().toByteArray());
    return clients.node(
        script,
        descriptors.toString(),
        "http://localhost:" + embedded.server().httpPort(),
        "http://localhost:" + streaming.server().httpPort(),
        TestTokens.valid(profile, "node"));
  }

  private static void assertPassed(String output, List<String> transports, List<String> checks) {
    assertTrue(output.contains("DONE"), output);
    for (String transport : transports) {
      for (String check : checks) {
        assertTrue(output.contains("PASS " + transport + " " + check + "\n"), transport + " " + check + " did not pass:\n" + output);
      }
    }
  }

  /**
   * The contract's files and everything they import, each after its imports, as protoc writes a set.
   * Descriptors compiled into Java classes lack the fields' JSON names, which protoc writes into a
   * set and JSON clients read; they are put back.
   */
  static FileDescriptorSet descriptorSet() {
    FileDescriptor service = ((ProtoFileDescriptorSupplier) ChatServiceGrpc.getServiceDescriptor().getSchemaDescriptor()).getFileDescriptor();
    Set<FileDescriptor> ordered = new LinkedHashSet<>();
    addWithImports(service, ordered);
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    for (FileDescriptor file : ordered) {
      FileDescriptorProto.Builder proto = file.toProto().toBuilder();
      for (int i = 0; i < file.getMessageTypes().size(); i++) {
        withJsonNames(file.getMessageTypes().get(i), proto.getMessageTypeBuilder(i));
      }
      set.addFile(proto);
    }
    return set.build();
  }

  private static void withJsonNames(Descriptor message, DescriptorProto.Builder proto) {
    for (int i = 0; i < message.getFields().size(); i++) {
      proto.getFieldBuilder(i).setJsonName(message.getFields().get(i).getJsonName());
    }
    for (int i = 0; i < message.getNestedTypes().size(); i++) {
      withJsonNames(message.getNestedTypes().get(i), proto.getNestedTypeBuilder(i));
    }
  }

  private static void addWithImports(FileDescriptor file, Set<FileDescriptor> ordered) {
    for (FileDescriptor dependency : file.getDependencies()) {
      addWithImports(dependency, ordered);
    }
    ordered.add(file);
  }
}
