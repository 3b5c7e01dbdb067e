package io.loyaltyengine.events;

/**
 * Receives committed events in the host's process. Called by the engine's dispatcher, after commit, at least once
 * per event, in order per participant; never concurrently for one participant while each call ends within half the
 * delivery lease ({@link EventSettings#lease()}; the dispatcher starts a claimed delivery only while half its lease is
 * left): a call that outlives the lease lets another instance (or round) claim the delivery again, and the two may
 * then overlap, so keep the lease above twice the slowest call. Returning normally acknowledges the event; throwing
 * (any exception or error, a {@link StackOverflowError} included) makes the engine retry it later with backoff, and
 * park it after the configured number of attempts (see {@link Events}). The other {@link VirtualMachineError}s
 * ({@link OutOfMemoryError}) are not counted as the listener's: they end the dispatch round, and the delivery is made
 * again once its lease runs out.
 *
 * <p>Implementations must be thread-safe: the dispatcher may call one listener from several threads for events of
 * different participants, and several engine instances may each call their own copy.
 */
@FunctionalInterface
public interface EventListener {
  /**
   * Handles one event. Must be idempotent: a redelivery of the same {@link LoyaltyEvent#id()} can happen.
   *
   * @param event the event
   * @throws Exception to have the event retried
   */
  void onEvent(LoyaltyEvent event) throws Exception;
}
