package io.chatgateway.gateway.transport.websocket;

import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpServerConnection;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Lets go of what Undertow's HTTP/1.1 request parser keeps of an upgraded socket's request.
 *
 * <p>Undertow keeps, per connection, the parser's state with its {@link StringBuilder}s for the
 * connection's whole life, also once it is a WebSocket and will never parse another request. The
 * builders keep the capacity of the longest token they parsed, which for a device that sends its
 * token in the {@code Authorization} header is the bearer token: about 0.5 KB per idle socket
 * (a twelfth of what the socket costs in all, bench/results/idle-websocket-token.md), and a copy of
 * the token in memory until the socket closes. Undertow has no public way to release it, so the
 * state is reached by reflection, found once; on an Undertow without those fields nothing is
 * released and the log says so once ({@link #available()}; a test fails on such an Undertow, so
 * an upgrade of it that loses this does not go unnoticed).
 *
 * <p>Call {@link #release} while the connection's last request is handled (an upgrade: the parser
 * runs no more on it), from the thread handling it: the builders are emptied and shrunk. Were the
 * connection to parse another request after all, the builders would grow again; nothing else
 * depends on their capacity. Stateless and thread-safe.
 */
final class ParserBuffers {

  private static final Logger log = Logger.getLogger(ParserBuffers.class.getName());
  private static final Reach REACH = Reach.find();

  private ParserBuffers() {}

  /** Whether this Undertow's parser state was found, so {@link #release} releases anything. */
  static boolean available() {
    return REACH != null;
  }

  /** Empties and shrinks the parse buffers {@code connection} keeps; nothing for other connections. */
  static void release(ServerConnection connection) {
    for (StringBuilder builder : builders(connection)) {
      builder.setLength(0);
      builder.trimToSize();
    }
  }

  /** The characters the parse buffers of {@code connection} can hold without growing (for tests). */
  static int retainedChars(ServerConnection connection) {
    int chars = 0;
    for (StringBuilder builder : builders(connection)) {
      chars += builder.capacity();
    }
    return chars;
  }

  private static List<StringBuilder> builders(ServerConnection connection) {
    if (REACH == null || !(connection instanceof HttpServerConnection)) {
      return List.of();
    }
    try {
      Object listener = REACH.readListener.get(connection);
      Object state = listener == null ? null : REACH.state.get(listener);
      if (state == null) {
        return List.of();
      }
      List<StringBuilder> builders = new ArrayList<>(REACH.builders.size());
      for (Field field : REACH.builders) {
        Object builder = field.get(state);
        if (builder != null) {
          builders.add((StringBuilder) builder);
        }
      }
      return builders;
    } catch (IllegalAccessException e) {
      return List.of(); // made accessible when found; cannot happen
    }
  }

  /**
   * The fields from a connection to its parser's builders: {@code HttpServerConnection.readListener},
   * the listener's {@code state}, and the state's {@code StringBuilder} fields.
   */
  private record Reach(Field readListener, Field state, List<Field> builders) {
    static Reach find() {
      try {
        Field readListener = HttpServerConnection.class.getDeclaredField("readListener");
        Field state = readListener.getType().getDeclaredField("state");
        List<Field> builders = new ArrayList<>();
        for (Field field : state.getType().getDeclaredFields()) {
          if (field.getType() == StringBuilder.class && !java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
            field.setAccessible(true);
            builders.add(field);
          }
        }
        if (builders.isEmpty()) {
          throw new NoSuchFieldException(state.getType().getName() + " has no StringBuilder");
        }
        readListener.setAccessible(true);
        state.setAccessible(true);
        return new Reach(readListener, state, List.copyOf(builders));
      } catch (NoSuchFieldException | RuntimeException e) {
        log.info(() -> "Undertow's request parser state not found (" + e + "): upgraded sockets keep their request's parse buffers");
        return null;
      }
    }
  }
}
