package io.chatgateway.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every environment variable the gateway reads is a row of the README's configuration table: the
 * main sources are scanned for reads through {@code EnvReader}, so a variable added without its row
 * fails here.
 */
class ConfigurationTableTest {

  private static final Path SOURCES = Path.of("src", "main", "java").toAbsolutePath();
  private static final Path README = Path.of("..", "README.md").toAbsolutePath().normalize();
  /** {@code env.integer("NAME", ...)} and the other typed reads; {@code secret} reads NAME and NAME_FILE. */
  private static final Pattern READ = Pattern.compile("env\\.(integer|string|bool|list|optional|uri|hostPort|secret)\\(\\s*\"([A-Z][A-Z0-9_]+)\"");

  @Test
  void everyVariableReadHasARowInTheReadmeTable() throws IOException {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher matcher = READ.matcher(Files.readString(file));
        while (matcher.find()) {
          read.add(matcher.group(2));
          if (matcher.group(1).equals("secret")) {
            read.add(matcher.group(2) + "_FILE");
          }
        }
      }
    }
    assertTrue(read.size() > 40, "the scan finds the variables: " + read);
    List<String> rows = Files.readAllLines(README).stream().filter(line -> line.startsWith("| `")).toList();
    Set<String> missing = new TreeSet<>();
    for (String variable : read) {
      if (rows.stream().noneMatch(row -> row.substring(0, row.indexOf(" |", 2)).contains("`" + variable + "`"))) {
        missing.add(variable);
      }
    }
    assertEquals(Set.of(), missing, "variables read by the gateway without a row in the README's table");
  }
}
