package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.backplane.ResumeRecords;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.proto.v1.ServerEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A live session records its positions as they move only where records outlive the gateway (Redis):
 * in memory, a checkpoint would guard against a death that takes the records along, so only the
 * record saved when the session ends is written (and no session keeps its last checkpoint).
 */
class ResumeCheckpointTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  /** Records every save; outlives the gateway or not as told. */
  private static final class Recorded implements ResumeRecords {
    final boolean outlive;
    final List<Map<String, Long>> saves = new CopyOnWriteArrayList<>(); // ann's



    Recorded(boolean outlive) {
      this.outlive = outlive;
    }

    @Override
    public boolean outliveGateway() {
      return outlive;
    }

    @Override
    public void save(String token, String profileId, Map<String, Long> positions) {
      if (profileId.equals("ann")) {
        saves.add(positions);
      }
    }

    @Override
    public CompletionStage<Map<String, Long>> take(String token, String profileId) {
      return CompletableFuture.completedFuture(Map.of());
    }
  }

  @Test
  void whereRecordsOutliveTheGatewayALiveSessionRecordsItsPositionsAsTheyMove() throws Exception {
    Recorded records = new Recorded(true);
    try (SessionHarness harness = new SessionHarness(Map.of(), UnaryOperator.identity(), records)) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device ann = atPositionTwo(harness, room);
      harness.advance(SessionServices.CHECKPOINT_INTERVAL.plusMillis(250));
      Await.until(WAIT, () -> records.saves.contains(Map.of(room, 2L)), () -> "a checkpoint of position 2; saves: " + records.saves);
      int checkpoints = records.saves.size();
      ann.session.onTransportClosed();
      Await.until(WAIT, () -> records.saves.size() == checkpoints + 1, () -> "and the record saved at the end; saves: " + records.saves);
      assertEquals(Map.of(room, 2L), records.saves.get(checkpoints));
    }
  }

  @Test
  void inMemoryALiveSessionRecordsNothingUntilItEnds() throws Exception {
    Recorded records = new Recorded(false);
    try (SessionHarness harness = new SessionHarness(Map.of(), UnaryOperator.identity(), records)) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device ann = atPositionTwo(harness, room);
      for (int i = 0; i < 3; i++) {
        harness.advance(SessionServices.CHECKPOINT_INTERVAL.plusMillis(250));
      }
      ann.send(SessionCoreTest.ping("after-sweeps"));
      ann.await(ServerEvent::hasPong, "pong: the session ran what the sweeps gave it");
      assertTrue(records.saves.isEmpty(), "no checkpoint of a live session: " + records.saves);
      ann.session.onTransportClosed();
      Await.until(WAIT, () -> !records.saves.isEmpty(), () -> "the record saved at the end");
      assertEquals(List.of(Map.of(room, 2L)), records.saves);
    }
  }

  /** Ann, subscribed to {@code room}, once she has bob's two events there. */
  private static SessionHarness.Device atPositionTwo(SessionHarness harness, String room) {
    SessionHarness.Device ann = ResumeAndGapFillTest.live(harness, "ann", room);
    SessionHarness.Device bob = ResumeAndGapFillTest.live(harness, "bob", room);
    ResumeAndGapFillTest.send(bob, room, 2);
    ann.await(e -> e.hasRoomEvent() && e.getRoomEvent().getSequence() == 2, "the second event");
    return ann;
  }
}
