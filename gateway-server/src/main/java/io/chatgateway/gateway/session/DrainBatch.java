package io.chatgateway.gateway.session;

import java.util.ArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sessions a fan-out lane queued events for during its current burst, whose drains it owes.
 * Starting each session's drain once per burst rather than once per event is what lets a session
 * write everything the burst queued for it in one go: one flush of its connection (and, for a
 * device that takes batches, one message) where there would have been one per event. Bursts only
 * form when envelopes arrive faster than the lane fans them out, so an idle lane adds no delay.
 *
 * <p>Confined to its lane's thread.
 */
final class DrainBatch {

  private static final Logger log = Logger.getLogger(DrainBatch.class.getName());
  /** Capacity kept between bursts; a burst to a larger crowd allocates its own. */
  private static final int RETAINED = 4096;

  private ArrayList<DeviceSession> owed = new ArrayList<>();

  /** {@code session} has events queued and a drain that this batch must start. */
  void owe(DeviceSession session) {
    owed.add(session);
  }

  /** Starts every owed drain; called by the lane at the end of each burst. */
  void release() {
    for (DeviceSession session : owed) {
      try {
        session.startDrain();
      } catch (RuntimeException e) {
        // Only a pool that is shutting down refuses; the rest still get their drains.
        log.log(Level.FINE, "drain not started", e);
      }
    }
    if (owed.size() > RETAINED) {
      owed = new ArrayList<>();
    } else {
      owed.clear();
    }
  }
}
