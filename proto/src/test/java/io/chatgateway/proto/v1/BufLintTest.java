package io.chatgateway.proto.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs {@code buf lint} on the contract ({@link Buf}); skipped, saying so, without Node.js. */
class BufLintTest {

  @Test
  void protoIsLintClean() throws Exception {
    Buf buf = Buf.orSkip("buf lint");
    Path moduleDir = Path.of("").toAbsolutePath();
    assertTrue(moduleDir.resolve("buf.yaml").toFile().isFile(), "run from the proto module: " + moduleDir);
    Buf.Result lint = buf.run(moduleDir, "lint");
    assertEquals("", lint.findings(), "buf lint findings");
    assertEquals(0, lint.exitCode(), "buf lint exit code; output:\n" + lint.output());
  }
}
