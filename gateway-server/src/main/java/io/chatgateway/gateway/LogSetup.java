package io.chatgateway.gateway;

import io.chatgateway.gateway.env.EnvReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Configures java.util.logging once at start-up: one line per record on stderr, at {@code LOG_LEVEL},
 * as text or, with {@code LOG_FORMAT=json}, one JSON object per line for log collectors.
 */
final class LogSetup {

  private LogSetup() {}

  static void configure(Map<String, String> environment) {
    EnvReader env = new EnvReader(environment);
    String raw = env.string("LOG_LEVEL", "info");
    Level level =
        switch (raw.toLowerCase(Locale.ROOT)) {
          case "error" -> Level.SEVERE;
          case "warn", "warning" -> Level.WARNING;
          case "info" -> Level.INFO;
          case "debug" -> Level.FINE;
          case "trace" -> Level.FINEST;
          default -> throw EnvReader.invalid("LOG_LEVEL", "error, warn, info, debug or trace", raw);
        };
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    String format = env.string("LOG_FORMAT", "text").toLowerCase(Locale.ROOT);
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(Level.ALL);
    console.setFormatter(
        switch (format) {
          case "text" -> new LineFormatter();
          case "json" -> new JsonFormatter();
          default -> throw EnvReader.invalid("LOG_FORMAT", "text or json", format);
        });
    root.addHandler(console);
    root.setLevel(Level.WARNING); // libraries stay quiet unless something is wrong
    Logger.getLogger("io.chatgateway").setLevel(level);
  }

  /** {@code 2026-01-01T00:00:00Z INFO  logger: message} plus any stack trace. */
  private static final class LineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
      StringBuilder line =
          new StringBuilder()
              .append(Instant.ofEpochMilli(record.getMillis()))
              .append(' ')
              .append(String.format("%-7s", record.getLevel().getName()))
              .append(' ')
              .append(shortName(record.getLoggerName()))
              .append(": ")
              .append(formatMessage(record))
              .append(System.lineSeparator());
      if (record.getThrown() != null) {
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        line.append(trace);
      }
      return line.toString();
    }

    private static String shortName(String loggerName) {
      if (loggerName == null) {
        return "";
      }
      int dot = loggerName.lastIndexOf('.');
      return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }
  }

  /** {@code {"time":...,"level":...,"logger":...,"thread":...,"message":...,"error":...}} per line. */
  private static final class JsonFormatter extends Formatter {
    private static final com.google.protobuf.util.JsonFormat.Printer PRINTER =
        com.google.protobuf.util.JsonFormat.printer().omittingInsignificantWhitespace();

    @Override
    public String format(LogRecord record) {
      com.google.protobuf.Struct.Builder line =
          com.google.protobuf.Struct.newBuilder()
              .putFields("time", text(Instant.ofEpochMilli(record.getMillis()).toString()))
              .putFields("level", text(record.getLevel().getName()))
              .putFields("logger", text(String.valueOf(record.getLoggerName())))
              .putFields("thread", text(Thread.currentThread().getName()))
              .putFields("message", text(formatMessage(record)));
      if (record.getThrown() != null) {
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        line.putFields("error", text(trace.toString()));
      }
      try {
        return PRINTER.print(line) + System.lineSeparator();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        return "{\"message\":\"unprintable log record\"}" + System.lineSeparator();
      }
    }

    private static com.google.protobuf.Value text(String value) {
      return com.google.protobuf.Value.newBuilder().setStringValue(value).build();
    }
  }
}
