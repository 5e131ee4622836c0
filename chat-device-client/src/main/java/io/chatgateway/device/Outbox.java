package io.chatgateway.device;

import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.RoomEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends the gateway has not acked, in the order they were made. Each keeps its {@code
 * client_event_id}: written again after a reconnect, a send the core already stored is answered
 * with the stored event, so an event is stored once however often its ack is lost.
 *
 * <p>Ownership: the client's loop.
 */
final class Outbox {

  /** One unacked send. {@code frameId} is the frame it was last written in; empty while unwritten. */
  static final class Entry {
    final RoomEvent event;
    final CompletableFuture<AckEvent> future;
    String frameId = "";
    int retries;

    Entry(RoomEvent event, CompletableFuture<AckEvent> future) {
      this.event = event;
      this.future = future;
    }

    String key() {
      return Outbox.key(event.getRoomId(), event.getClientEventId());
    }
  }

  private final int capacity;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final Map<String, Entry> byFrame = new HashMap<>();

  Outbox(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Adds a send; returns the entry already waiting for the same room and {@code client_event_id}
   * if there is one, or null when the outbox is full.
   */
  Entry add(RoomEvent event) {
    Entry existing = entries.get(key(event.getRoomId(), event.getClientEventId()));
    if (existing != null) {
      return existing;
    }
    if (entries.size() >= capacity) {
      return null;
    }
    Entry entry = new Entry(event, new CompletableFuture<>());
    entries.put(entry.key(), entry);
    return entry;
  }

  /** Records that {@code entry} was written in frame {@code frameId}. */
  void written(Entry entry, String frameId) {
    byFrame.remove(entry.frameId);
    entry.frameId = frameId;
    byFrame.put(frameId, entry);
  }

  /** Takes out the entry an ack answers, if it is still waiting. */
  Entry acked(AckEvent ack) {
    Entry entry = entries.remove(key(ack.getRoomId(), ack.getClientEventId()));
    if (entry != null) {
      byFrame.remove(entry.frameId);
    }
    return entry;
  }

  /** The waiting entry last written in {@code frameId}, if any. */
  Entry byFrame(String frameId) {
    return frameId.isEmpty() ? null : byFrame.get(frameId);
  }

  /** Takes out {@code entry} (refused for good). */
  void remove(Entry entry) {
    entries.remove(entry.key());
    byFrame.remove(entry.frameId);
  }

  /** The connection ended: nothing is in flight any more, every entry waits to be written again. */
  void unwritten() {
    byFrame.clear();
    entries.values().forEach(entry -> entry.frameId = "");
  }

  /** Waiting entries, oldest first. */
  List<Entry> waiting() {
    return new ArrayList<>(entries.values());
  }

  /** Takes out every entry, oldest first. */
  List<Entry> clear() {
    List<Entry> all = waiting();
    entries.clear();
    byFrame.clear();
    return all;
  }

  int size() {
    return entries.size();
  }

  private static String key(String roomId, String clientEventId) {
    return roomId + '\n' + clientEventId;
  }
}
