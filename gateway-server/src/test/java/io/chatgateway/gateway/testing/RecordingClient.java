package io.chatgateway.gateway.testing;

import io.chatgateway.proto.v1.ServerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * What every test device client shares, whatever its transport: the events it received, in order,
 * and waiting for them with a deadline. Subclasses record from their transport's threads; readers
 * get copies. {@link #state} tells a failed wait what the client saw.
 */
public abstract class RecordingClient {

  public static final Duration WAIT = Duration.ofSeconds(15);

  /** Guarded by itself; subclasses that keep more per event synchronize on it too. */
  protected final List<ServerEvent> events = new ArrayList<>();
  private final String name;

  protected RecordingClient(String name) {
    this.name = name;
  }

  /** Records one received event; any thread. */
  protected void record(ServerEvent event) {
    synchronized (events) {
      events.add(event);
    }
  }

  /** For failed waits: what was received and how the connection ended. */
  protected abstract String state();

  /** The first event received so far or later that matches, within {@link #WAIT}. */
  public ServerEvent await(Predicate<ServerEvent> match, String what) {
    AtomicReference<ServerEvent> found = new AtomicReference<>();
    Await.until(
        WAIT,
        () -> {
          for (ServerEvent event : events()) {
            if (match.test(event)) {
              found.set(event);
              return true;
            }
          }
          return false;
        },
        () -> name + " waiting for " + what + "; " + state());
    return found.get();
  }

  /** Waits until at least {@code count} events match; returns them in arrival order. */
  public List<ServerEvent> awaitCount(Predicate<ServerEvent> match, int count, String what) {
    Await.until(WAIT, () -> matching(match).size() >= count, () -> name + " waiting for " + count + " x " + what + ", have " + matching(match).size() + "; " + state());
    return matching(match);
  }

  public List<ServerEvent> matching(Predicate<ServerEvent> match) {
    return events().stream().filter(match).toList();
  }

  /** Every event received, in order. */
  public List<ServerEvent> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** The kinds of the last 40 events received, with error codes: enough to read a failed wait. */
  protected String summary() {
    List<String> kinds = new ArrayList<>();
    for (ServerEvent event : events()) {
      kinds.add(event.getEventCase() + (event.hasError() ? "(" + event.getError().getCode() + ": " + event.getError().getMessage() + ")" : ""));
    }
    return kinds.size() > 40 ? kinds.subList(kinds.size() - 40, kinds.size()) + " (last 40 of " + kinds.size() + ")" : kinds.toString();
  }
}
