package io.chatgateway.device;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands the listener its callbacks, in order, on its serial executor, and gives the stream back one
 * message of read credit each time the listener has taken a message's callbacks: the stream then
 * reads exactly as fast as the listener, with at most {@code maxBuffered} messages waiting.
 *
 * <p>Ownership: {@link #message} and {@link #call} are called on the client's loop; {@code pending}
 * is the loop's. The callbacks run on the listener executor.
 */
final class ListenerQueue {

  private static final Logger log = Logger.getLogger(ListenerQueue.class.getName());

  private final ChatListener listener;
  private final Executor executor;
  private final Scheduler loop;
  private final int maxBuffered;
  private int pending;

  ListenerQueue(ChatListener listener, Executor executor, Scheduler loop, int maxBuffered) {
    this.listener = listener;
    this.executor = executor;
    this.loop = loop;
    this.maxBuffered = maxBuffered;
  }

  /** The callbacks of one stream message; {@code credit} runs on the loop once the listener has had them. */
  void message(List<Consumer<ChatListener>> calls, Runnable credit) {
    pending++;
    executor.execute(
        () -> {
          try {
            calls.forEach(this::invoke);
          } finally {
            loop.execute(
                () -> {
                  pending--;
                  credit.run();
                });
          }
        });
  }

  /** One callback outside the stream's flow (state changes, futures of calls). */
  void call(Consumer<ChatListener> call) {
    executor.execute(() -> invoke(call));
  }

  /** Runs {@code task} on the listener executor, after the callbacks already handed over. */
  void run(Runnable task) {
    executor.execute(task);
  }

  private void invoke(Consumer<ChatListener> call) {
    try {
      call.accept(listener);
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "a chat client listener callback threw; the next one still runs", e);
    }
  }

  /** True when the stream has no read credit left: the listener has every message it may buffer. */
  boolean saturated() {
    return pending >= maxBuffered;
  }
}
