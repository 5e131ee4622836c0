package io.chatgateway.proto.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code buf breaking} (the FILE rules of {@code buf.yaml}) against {@code buf-baseline.binpb}, the
 * image of the last released contract kept in the repository: a change that would break generated
 * code or the wire for existing clients fails the build. Updating the baseline is a deliberate act
 * (README, "The contract"). The check is shown to have teeth: the same run on a copy of the contract
 * with one field deleted fails, naming it. Skipped, saying so, without Node.js.
 */
class BufBreakingTest {

  static final String BASELINE = "buf-baseline.binpb";
  static final Path MODULE = Path.of("").toAbsolutePath();

  @Test
  void theContractKeepsEveryPromiseOfTheBaseline() throws Exception {
    Buf buf = Buf.orSkip("buf breaking");
    Buf.Result breaking = buf.run(MODULE, "breaking", "--against", BASELINE);
    assertEquals("", breaking.findings(), "breaking changes against " + BASELINE);
    assertEquals(0, breaking.exitCode(), "buf breaking exit code; output:\n" + breaking.output());
  }

  @Test
  void aDeletedFieldIsCaught() throws Exception {
    Buf buf = Buf.orSkip("buf breaking");
    Path copy = Files.createTempDirectory("contract-copy");
    try {
      copyTree(MODULE.resolve("src/main/protobuf"), copy.resolve("src/main/protobuf"));
      Files.copy(MODULE.resolve("buf.yaml"), copy.resolve("buf.yaml"));
      Files.copy(MODULE.resolve(BASELINE), copy.resolve(BASELINE));
      Path service = copy.resolve("src/main/protobuf/chat/v1/chat_service.proto");
      Matcher field = Pattern.compile("(?m)^  string (\\w+) = (\\d+);$").matcher(Files.readString(service));
      assertTrue(field.find(), "a string field to delete in " + service);
      Files.writeString(service, Files.readString(service).replaceFirst(Pattern.quote(field.group()), "  reserved " + field.group(2) + ";"));

      Buf.Result breaking = buf.run(copy, "breaking", "--against", BASELINE);
      assertNotEquals(0, breaking.exitCode(), "a deleted field must fail; output:\n" + breaking.output());
      assertTrue(breaking.findings().contains("\"" + field.group(1) + "\""), "the finding names the field:\n" + breaking.output());
    } finally {
      try (Stream<Path> files = Files.walk(copy)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Test
  void theBaselineIsAnImageOfTheContract() throws Exception {
    FileDescriptorSet image = FileDescriptorSet.parseFrom(Files.readAllBytes(MODULE.resolve(BASELINE)));
    assertTrue(
        image.getFileList().stream().map(FileDescriptorProto::getName).anyMatch("chat/v1/chat_service.proto"::equals),
        "the baseline holds chat/v1/chat_service.proto: " + image.getFileList().stream().map(FileDescriptorProto::getName).toList());
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
