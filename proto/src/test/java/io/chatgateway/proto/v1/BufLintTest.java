package io.chatgateway.proto.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code buf lint} on the contract with the buf release pinned in {@code buf.yaml}'s comment.
 * buf is fetched through npm ({@code @bufbuild/buf}); on a machine without Node.js the test is
 * skipped with that reason printed, because buf ships no JVM artifact.
 */
class BufLintTest {

  static final String BUF_PACKAGE = "@bufbuild/buf@1.75.0";

  @Test
  void protoIsLintClean() throws Exception {
    String npx = findOnPath("npx");
    if (npx == null) {
      String reason = "buf lint skipped: npx (Node.js) is not installed, and buf ships only through npm";
      System.out.println(reason);
      Assumptions.abort(reason);
    }
    Path moduleDir = Path.of("").toAbsolutePath();
    assertTrue(moduleDir.resolve("buf.yaml").toFile().isFile(), "run from the proto module: " + moduleDir);
    Process buf =
        new ProcessBuilder(npx, "--yes", BUF_PACKAGE, "lint")
            .directory(moduleDir.toFile())
            .redirectErrorStream(true)
            .start();
    buf.getOutputStream().close();
    if (!buf.waitFor(5, TimeUnit.MINUTES)) {
      buf.destroyForcibly();
      throw new AssertionError("buf lint did not finish in 5 minutes");
    }
    String output = new String(buf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // npm prints configuration warnings of its own; buf's findings name a .proto file.
    String findings =
        output.lines().filter(line -> line.contains(".proto") || line.startsWith("Failure")).reduce("", (a, b) -> a + b + "\n");
    assertEquals("", findings, "buf lint findings");
    assertEquals(0, buf.exitValue(), "buf lint exit code; output:\n" + output);
  }

  private static String findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.canExecute()) {
        return candidate.getAbsolutePath();
      }
    }
    return null;
  }
}
