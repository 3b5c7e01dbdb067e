package io.loyaltyengine.events;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;

/**
 * Event delivery to in-process listeners. Thread-safe.
 *
 * <h2>Guarantee</h2>
 * At least once, after commit, in order per participant. Every state change writes its events in its own
 * transaction (a transactional outbox); a dispatcher in each engine instance hands committed events to the
 * listeners registered on that instance. A listener that throws is retried with exponential backoff (from 1 s,
 * doubling, at most 5 minutes apart, with jitter) and does not hold up other listeners; after the configured number
 * of attempts (default 10) the event is parked for that listener, and later events of the same participant
 * continue. Consumers deduplicate on {@link LoyaltyEvent#id()}.
 *
 * <h2>Several instances</h2>
 * Engine instances that share a database share the work: each delivery is claimed by one instance at a time with a
 * lease, and an instance that dies mid-delivery leaves its claims to the others when the lease runs out. Register
 * the same listeners, under the same names, on every instance, and in the builder
 * ({@link io.loyaltyengine.LoyaltyEngine.Builder#listener}): an event is fanned out to the listeners of the instance
 * that positions it, when it positions it.
 */
public interface Events {
  /**
   * Registers a listener under a stable name (1..64 of {@code a-z A-Z 0-9 _ - .}); its delivery state (retries,
   * parked events) is kept under that name across restarts. It receives the events that pass the filter and that
   * this instance positions from now on; with background dispatch, those the dispatcher positioned since the engine
   * was built (events committed before a restart among them) are not fanned out to it. A listener given to
   * {@link io.loyaltyengine.LoyaltyEngine.Builder#listener} misses none.
   *
   * @param name the listener's stable name
   * @param filter which events it receives; null for every event
   * @param listener the listener
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code name}, or on {@code listener} if it is
   *     null; CONFLICT on {@code name} if the name is taken on this engine (until {@link #unsubscribe})
   */
  void subscribe(String name, EventFilter filter, EventListener listener);

  /**
   * Removes a listener from this engine. Its pending deliveries wait until a listener of that name returns. A
   * name no listener holds on this engine changes nothing.
   *
   * @param name the listener's name
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code name} if it breaks the rule of
   *     {@link #subscribe}
   */
  void unsubscribe(String name);

  /**
   * Runs one round of dispatch now, on the calling thread: positions and fans out committed events, delivers what
   * is due, prunes what retention allows, and renews the engine's lease on its node number when due (as every unit
   * of work does). Hosts that build the engine with manual dispatch call this from their own scheduler; with
   * background dispatch it is rarely needed.
   *
   * <p>Thread-safe. Rounds of one engine never overlap: a call while another thread's round (the background
   * dispatcher's, or another host thread's) is in progress waits for it to end first. So one webhook endpoint never
   * has two calls in progress at once from this engine. A call from a listener, on the thread of the round that
   * called the listener, returns at once with an empty report ({@link DispatchReport#isIdle()}): the round in progress
   * goes on, and the next round delivers what the listener committed. A listener must not wait for a
   * {@code dispatch()} on another thread, which waits for the listener's round.
   *
   * <p>Interrupts: a call on a thread whose interrupt status is set, or interrupted while it waits for another
   * thread's round, returns at once with an empty report. Interrupted during its round, the round starts no other
   * delivery, cancels its webhook calls in progress (the request is abandoned; the receiver may or may not have got
   * it) and those not started, waits for them to stop, does not prune, and returns what it recorded. The deliveries it
   * did not make, a cancelled one included, count no attempt, pause no endpoint, and are delivered once their lease
   * ({@link EventSettings#lease()}) runs out: at least once, as always. A listener called when the interrupt came is
   * not stopped by the engine; one that ends by throwing {@link InterruptedException} (which cleared the status) has
   * failed an attempt, as with any exception, and the status is set again. The thread's interrupt status is kept in
   * every case; the call never throws for it.
   *
   * @return what the round did: exact counts of what it recorded
   */
  DispatchReport dispatch();

  /**
   * Deliveries parked for a listener, oldest first.
   *
   * @param listenerName the listener's name
   * @param page which page
   * @return the page of parked deliveries
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code name} if {@code listenerName} breaks the
   *     rule of {@link #subscribe}, on {@code page} if it is null
   */
  CursorPage<ParkedDelivery> parked(String listenerName, Keyset page);

  /**
   * Schedules a parked delivery again, from its first attempt. It goes before the participant's later events still
   * pending for the listener, and waits while one of them is being delivered by an instance: the listener never has
   * two of a participant's events at once.
   *
   * @param listenerName the listener's name
   * @param tenantId the event's tenant
   * @param eventId the event's id, {@code evt_<number>}
   * @return whether a parked delivery of that event was found for the listener
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code name} if {@code listenerName} breaks the
   *     rule of {@link #subscribe}, on {@code eventId} if it is not an event id
   */
  boolean replay(String listenerName, long tenantId, String eventId);
}
