package io.loyaltyengine.events;

/**
 * Receives committed events in the host's process. Called by the engine's dispatcher, after commit, at least once
 * per event, in order per participant; never concurrently for one participant while each call ends within the
 * delivery lease ({@link EventSettings#lease()}): a call that outlives it lets another instance (or round) claim the
 * delivery again, and the two may then overlap, so keep the lease above the slowest call. Returning normally
 * acknowledges the event; throwing makes the engine retry it later with backoff, and park it after the configured
 * number of attempts (see {@link Events}).
 *
 * <p>Implementations must be thread-safe: the dispatcher may call one listener from several threads for events of
 * different participants, and several engine instances may each call their own copy.
 */
@FunctionalInterface
public interface EventListener {
  /**
   * Handles one event. Must be idempotent: a redelivery of the same {@link LoyaltyEvent#id()} can happen.
   *
   * @throws Exception to have the event retried
   */
  void onEvent(LoyaltyEvent event) throws Exception;
}
