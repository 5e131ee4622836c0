package io.chatgateway.gateway.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options of a sub-command; unknown or value-less options are usage errors. */
final class CommandLine {

  private final Map<String, String> options = new HashMap<>();

  CommandLine(List<String> args, Set<String> known) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || !known.contains(arg.substring(2))) {
        throw new IllegalArgumentException("unknown option '" + arg + "'; options: --" + String.join(", --", known));
      }
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException("option " + arg + " needs a value");
      }
      options.put(arg.substring(2), args.get(++i));
    }
  }

  String get(String name, String defaultValue) {
    return options.getOrDefault(name, defaultValue);
  }

  int integer(String name, int defaultValue) {
    String raw = options.get(name);
    if (raw == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option --" + name + " needs a whole number, got '" + raw + "'");
    }
  }
}
