package io.chatgateway.proto.v1;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The buf CLI at the release pinned in {@code buf.yaml}'s comment, fetched through npm ({@code
 * @bufbuild/buf}): buf ships no JVM artifact. On a machine without Node.js the calling test is
 * skipped, saying why.
 */
final class Buf {

  static final String PACKAGE = "@bufbuild/buf@1.75.0";

  /** What one run printed and how it ended. */
  record Result(int exitCode, String output) {
    /** buf's findings: the lines naming a .proto file (npm prints warnings of its own). */
    String findings() {
      return output.lines().filter(line -> line.contains(".proto") || line.startsWith("Failure")).reduce("", (a, b) -> a + b + "\n");
    }
  }

  private final String npx;

  private Buf(String npx) {
    this.npx = npx;
  }

  /** buf through npx, or the calling test skipped when Node.js is not installed. */
  static Buf orSkip(String what) {
    String npx = findOnPath("npx");
    if (npx == null) {
      String reason = what + " skipped: npx (Node.js) is not installed, and buf ships only through npm";
      System.out.println(reason);
      Assumptions.abort(reason);
    }
    return new Buf(npx);
  }

  /** Runs {@code buf args...} in {@code directory} (a module with its buf.yaml) and waits for it. */
  Result run(Path directory, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(npx, "--yes", PACKAGE));
    command.addAll(List.of(args));
    Process buf = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    buf.getOutputStream().close();
    if (!buf.waitFor(5, TimeUnit.MINUTES)) {
      buf.destroyForcibly();
      throw new AssertionError("buf " + String.join(" ", args) + " did not finish in 5 minutes");
    }
    return new Result(buf.exitValue(), new String(buf.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
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
