package io.chatgateway.gateway.env;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads of environment variables. Every failure is a {@link ConfigException} that names the
 * variable, says what was expected and what was found. An empty value counts as unset.
 */
public final class EnvReader {

  private final Map<String, String> env;

  public EnvReader(Map<String, String> env) {
    this.env = requireNonNull(env, "env");
  }

  public Optional<String> optional(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /**
   * A secret, given either as the value of {@code name} or as a file named by {@code name_FILE} (a
   * Kubernetes secret mount, say), never both. A file's content is the secret, as UTF-8 text, without
   * surrounding blanks and line breaks. Errors name the variable and the file, never the secret.
   */
  public Optional<String> secret(String name) {
    String fileVariable = name + "_FILE";
    Optional<String> inline = optional(name);
    Optional<String> file = optional(fileVariable);
    if (file.isEmpty()) {
      return inline;
    }
    if (inline.isPresent()) {
      throw new ConfigException(name + " and " + fileVariable + ": set only one of them");
    }
    String content;
    try {
      content = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
    } catch (MalformedInputException e) {
      throw new ConfigException(fileVariable + ": " + file.get() + " is not UTF-8 text");
    } catch (IOException | InvalidPathException e) {
      throw new ConfigException(fileVariable + ": cannot read " + file.get() + " (" + e.getClass().getSimpleName() + ")");
    }
    if (content.isBlank()) {
      throw new ConfigException(fileVariable + ": " + file.get() + " is empty");
    }
    return Optional.of(content.strip());
  }

  public String string(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  public int integer(String name, int defaultValue, int min, int max) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw invalid(name, "an integer from " + min + " to " + max, raw.get());
      }
      return value;
    } catch (NumberFormatException e) {
      throw invalid(name, "an integer from " + min + " to " + max, raw.get());
    }
  }

  public boolean bool(String name, boolean defaultValue) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    return switch (raw.get().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw invalid(name, "true or false", raw.get());
    };
  }

  /** A comma-separated list; blanks around items are trimmed and empty items dropped. */
  public List<String> list(String name) {
    return optional(name)
        .map(raw -> Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
  }

  /** An absolute URI with one of the given schemes. */
  public Optional<URI> uri(String name, String... schemes) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    String expected = "an absolute URI with scheme " + String.join(" or ", schemes);
    try {
      URI uri = new URI(raw.get());
      if (uri.getScheme() == null || !List.of(schemes).contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
        throw invalid(name, expected, raw.get());
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw invalid(name, expected, raw.get());
    }
  }

  /** A {@code host:port} pair, returned as given. */
  public Optional<String> hostPort(String name) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    String value = raw.get();
    int colon = value.lastIndexOf(':');
    String expected = "host:port with a port from 1 to 65535";
    if (colon <= 0 || colon == value.length() - 1) {
      throw invalid(name, expected, value);
    }
    try {
      int port = Integer.parseInt(value.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw invalid(name, expected, value);
      }
    } catch (NumberFormatException e) {
      throw invalid(name, expected, value);
    }
    return raw;
  }

  public static ConfigException invalid(String name, String expected, String got) {
    return new ConfigException(name + ": expected " + expected + ", got '" + got + "'");
  }
}
