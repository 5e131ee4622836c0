package io.chatgateway.gateway.backplane;

/**
 * How many events one profile may send per second, over all its devices and, with a shared engine,
 * all gateways ({@code MAX_PROFILE_EVENTS_PER_SECOND}). Implementations never block: a decision
 * that needs the other gateways is made from what they reported so far.
 */
public interface ProfileRates {

  /** No bound. */
  ProfileRates UNLIMITED =
      new ProfileRates() {
        @Override
        public boolean tryAcquire(String profileId) {
          return true;
        }

        @Override
        public int perSecond() {
          return 0;
        }
      };

  /** Whether {@code profileId} may send one more event now; a refusal is counted. */
  boolean tryAcquire(String profileId);

  /** The bound, 0 when there is none. */
  int perSecond();

  /** Events refused so far. */
  default long refused() {
    return 0;
  }

  /** Forgets profiles that sent nothing in the current second; called from a scheduler. */
  default void prune() {}
}
