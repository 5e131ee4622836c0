package io.chatgateway.gateway.backplane;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where a session's resume state lives: under its resume token, its profile and its position in each
 * room (the sequence of the newest event delivered to it). In memory a token works on this gateway;
 * in Redis on any gateway, also after this one died. Records last the resume TTL.
 *
 * <p>Thread-safe. {@link #save} never blocks (a Redis write is sent and not awaited); {@link #take}
 * completes on any thread.
 */
public interface ResumeRecords {

  /**
   * Whether records outlive this gateway's process. When they do not, a live session need not
   * record its positions as they move ({@code checkpoint}s would guard against a death that takes
   * the records along); the record saved when the session ends is the one a resume takes.
   */
  boolean outliveGateway();

  /** Records {@code positions} (room to sequence) under {@code token}, replacing what was there. */
  void save(String token, String profileId, Map<String, Long> positions);

  /**
   * The positions recorded under {@code token} for {@code profileId}, removed; empty when unknown,
   * expired or unreachable. Another profile presenting the token gets nothing and leaves the record
   * for its owner.
   */
  CompletionStage<Map<String, Long>> take(String token, String profileId);
}
