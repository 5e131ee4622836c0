package io.chatgateway.gateway.session;

import io.chatgateway.gateway.backplane.ResumeRecords;
import java.util.Map;

/**
 * Keeps a session's resume record up to date: under the token its {@code ready} announced, the
 * session's rooms and positions, written when they moved (every checkpoint) and once more when the
 * session ends, so a resume finds them on any gateway, even after this one died.
 *
 * <p>Threading: owned by the session's executor.
 */
final class ResumeRecorder {

  private final ResumeRecords records;
  private final String profileId;
  private String token = ""; // empty until ready
  private Map<String, Long> recorded = Map.of();

  ResumeRecorder(ResumeRecords records, String profileId) {
    this.records = records;
    this.profileId = profileId;
  }

  /** The token announced in {@code ready}, under which the record is kept from now on. */
  void issued(String token) {
    this.token = token;
  }

  /** The session's positions now: written if they moved since the last write. */
  void checkpoint(Map<String, Long> positions) {
    if (!token.isEmpty() && !positions.equals(recorded)) {
      recorded = positions;
      records.save(token, profileId, positions);
    }
  }

  /** The session ended with {@code positions}: the record a resume will take. */
  void closed(Map<String, Long> positions) {
    if (!token.isEmpty()) {
      records.save(token, profileId, positions);
    }
  }
}
