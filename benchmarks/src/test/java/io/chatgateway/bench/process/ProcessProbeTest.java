package io.chatgateway.bench.process;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessProbeTest {

  @Test
  void writeSyscallsCountEveryWriteOfTheProcess(@TempDir Path dir) throws Exception {
    long self = ProcessHandle.current().pid();
    OptionalLong before = ProcessProbe.writeSyscalls(self);
    assertTrue(before.isPresent(), "/proc/" + self + "/io has no syscw line on this machine");
    int writes = 500;
    try (FileOutputStream out = new FileOutputStream(dir.resolve("counted").toFile())) {
      for (int i = 0; i < writes; i++) {
        out.write(i); // unbuffered: one write system call each
      }
    }
    long counted = ProcessProbe.writeSyscalls(self).getAsLong() - before.getAsLong();
    // Other threads (the test runner's output) may write too, never fewer.
    assertTrue(counted >= writes && counted < writes * 4L, "write system calls counted: " + counted + " for " + writes + " writes");
  }

  @Test
  void aProcessThatIsGoneHasNoCount() throws Exception {
    Process exited = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version").start();
    exited.waitFor();
    assertTrue(ProcessProbe.writeSyscalls(exited.pid()).isEmpty());
  }
}
