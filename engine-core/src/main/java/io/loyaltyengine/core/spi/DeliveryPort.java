package io.loyaltyengine.core.spi;

import io.loyaltyengine.events.DeliveryStatus;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Deliveries of events to subscribers, claimed with leases so that several engine instances share the work.
 *
 * <h2>Claiming</h2>
 * A delivery is claimable when it is PENDING, due ({@code nextAttemptAt <= now}), not leased (no lease, or
 * {@code leaseUntil <= now}), its subscriber is one of the claimer's and not one the claim skips, no other PENDING
 * delivery of the same tenant, subscriber and participant has a lower sequence (which keeps each participant's events
 * in order, across instances, also while an earlier one waits for a retry) or is leased ({@code leaseUntil > now}: a
 * later one an instance holds while this one, parked and replayed, is PENDING again; claimed beside it, the
 * subscriber would get two of the participant's events at once), and no event of the same participant with
 * a lower sequence is still unpositioned (ids of two instances whose clocks disagree may number a participant's events
 * out of order, so a positioning batch can end between them; the later one then waits for the earlier one's delivery
 * to exist).
 * {@link #claim} picks claimable deliveries turn by turn: each claimable delivery's turn is its rank among the
 * claimable deliveries of its tenant and subscriber, oldest event first (ids are time-ordered), so every subscriber's
 * oldest one comes before any subscriber's second; within a turn, oldest event first, then by tenant and subscriber
 * (its name's characters in {@link String#compareTo} order, not a database collation's, which differs between
 * databases). It leases them to the claimer in the same unit of work, skipping rows another transaction holds
 * ({@code FOR UPDATE SKIP LOCKED} where the store has it; those still count in the turns). Not oldest event first
 * alone: a subscriber with a backlog of older deliveries (an endpoint that does not answer, whose claimed deliveries
 * the dispatcher leaves leased) would fill every batch, and every other subscriber, other tenants' too, would wait
 * until the whole backlog was leased; turn by turn it takes its share of a batch, and a subscriber alone still gets
 * the whole batch. Not by position: positions are numbered per tenant, so a tenant with a long feed would wait behind
 * every younger tenant's deliveries. Not by due time either, which a retry's jitter sets: a seeded run would then
 * claim in another order each time.
 *
 * <p>The order rule means that one claimed batch holds at most one delivery per tenant, subscriber and participant
 * (a participant's later delivery is not claimable while the earlier one is PENDING, leased in the same batch or
 * not), so the dispatcher may make the deliveries of a batch to different subscribers at once, each endpoint's on a
 * thread of its own, without breaking any participant's order.
 *
 * <p>Updates after an attempt are compare-and-set on the lease owner, so an instance whose lease ran out cannot
 * overwrite what the new holder did; a success is always recorded.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface DeliveryPort {
  /**
   * The most subscribers one {@link #claim} skips: a bound on the statement a store sends (a SQL store binds them as
   * one array, which every candidate row is compared with).
   */
  int MAX_SKIPPED_SUBSCRIBERS = 1_000;

  /**
   * Checks a claim's {@code skipped} subscribers, for every store alike: a programming error, refused before it
   * reaches a statement.
   *
   * @throws IllegalArgumentException if it names more than {@link #MAX_SKIPPED_SUBSCRIBERS} subscribers
   */
  static void checkSkipped(Set<String> skipped) {
    if (skipped.size() > MAX_SKIPPED_SUBSCRIBERS) {
      throw new IllegalArgumentException("skipped must name at most " + MAX_SKIPPED_SUBSCRIBERS
          + " subscribers but named " + skipped.size());
    }
  }

  /**
   * Creates a delivery as given (the dispatcher makes it PENDING and due at once). Creating one that exists does
   * nothing.
   */
  void create(DeliveryRecord delivery);

  /** As {@link #create} for each delivery, in order; a store may send them in one batch. */
  default void createAll(List<DeliveryRecord> deliveries) {
    for (DeliveryRecord delivery : deliveries) {
      create(delivery);
    }
  }

  /**
   * Claims up to {@code limit} claimable deliveries for the named listeners and, if {@code webhooks}, for every
   * {@code webhook:} subscriber, but for the subscribers named in {@code skipped}, leasing them to {@code owner} until
   * {@code leaseUntil}.
   *
   * <p>A skipped subscriber's deliveries are neither leased nor counted: the claim is the one it would be were they
   * not stored, so the other subscribers' turns, and every participant's order, are as the rule above makes them
   * (both are per subscriber). The dispatcher skips the endpoints its instance has paused, whose deliveries it would
   * not attempt: leased, they would wait out the lease after the pause ends, and take other subscribers' places in
   * the batch meanwhile.
   *
   * @param listeners listener names to claim for
   * @param webhooks whether to claim for every {@code webhook:} subscriber too
   * @param skipped subscribers to leave alone, at most {@link #MAX_SKIPPED_SUBSCRIBERS}; may name subscribers that
   *     have no delivery, or that are not claimed anyway
   * @param now the claim's time: what is due and what is leased
   * @param owner the claimer
   * @param leaseUntil the end of the claimed deliveries' lease
   * @param limit the most deliveries to claim, 0 or more
   * @return the claimed deliveries, with their events, in claim order
   * @throws IllegalArgumentException if {@code skipped} names more than {@link #MAX_SKIPPED_SUBSCRIBERS}
   *     subscribers, or {@code limit} is negative
   */
  List<ClaimedDelivery> claim(Set<String> listeners, boolean webhooks, Set<String> skipped, Instant now,
      String owner, Instant leaseUntil, int limit);

  /** Marks a delivery DELIVERED and releases its lease. */
  void delivered(long tenantId, long eventId, String subscriber, Instant now);

  /**
   * Schedules another attempt, if {@code owner} still holds the lease.
   *
   * @return whether the delivery changed
   */
  boolean reschedule(long tenantId, long eventId, String subscriber, String owner, int attempts,
      Instant nextAttemptAt, String lastError, Instant now);

  /**
   * Parks a delivery, if {@code owner} still holds the lease ({@code owner} null: whatever its lease).
   *
   * @return whether the delivery changed
   */
  boolean park(long tenantId, long eventId, String subscriber, String owner, int attempts, String lastError,
      Instant now);

  /**
   * Parks, in one conditional update, up to {@code limit} PENDING deliveries of {@code webhook:} subscribers, of every
   * tenant, that were due before {@code dueBefore} ({@code nextAttemptAt < dueBefore}), are not leased (no lease, or
   * {@code leaseUntil <= now}), and whose endpoint, by the evidence of the store, failed all the time since they were
   * due: no delivery of the same tenant and subscriber is DELIVERED with {@code updatedAt >= nextAttemptAt}, and one
   * is PARKED with {@code updatedAt >= nextAttemptAt} (a delivery's {@code updatedAt} is when it was delivered or
   * parked; a replayed one is PENDING again and counts for neither). Those due first first (ties in no particular
   * order): each becomes PARKED with {@code lastError}, its lease cleared, its attempts and due time kept, updated at
   * {@code now}. A delivery another transaction holds (a claim not yet committed) is passed by or waited for and then
   * re-checked, so one leased by a live claim is never parked; two callers at once never park one delivery twice.
   * Listeners' deliveries are never touched.
   *
   * <p>The dispatcher parks with this the webhook deliveries left undelivered for longer than the retry schedule's
   * window behind an endpoint that stays down (it is attempted only through its probe, so the rest of its backlog
   * would never use up its attempts; once a probe has used up its own, and is parked, the evidence is there). Age
   * alone is no evidence: after a dispatcher stood still for longer than the window nothing was attempted (nothing
   * parked since), and a participant's deliveries held back behind one the endpoint refused to the end are due long
   * before it is parked, while the endpoint took other participants' events (delivered since).
   *
   * @param dueBefore the cutoff: deliveries due before it are parked
   * @param lastError the reason the parked deliveries carry
   * @param now the time of the change: what is leased
   * @param limit the most deliveries to park, 0 or more
   * @return how many were parked
   * @throws IllegalArgumentException if {@code limit} is negative
   */
  int parkOverdueWebhooks(Instant dueBefore, String lastError, Instant now, int limit);

  /**
   * Parked deliveries of a subscriber, oldest (lowest event id) first, after {@code afterEventId} (all when null),
   * of one tenant (every tenant when null), at most {@code limit}, with their events.
   */
  List<ClaimedDelivery> parked(String subscriber, Long tenantId, Long afterEventId, int limit);

  /**
   * A tenant's subscriber's deliveries as stored (a webhook endpoint's delivery log), in {@code status} (every status
   * when null), newest event (highest event id) first, before {@code beforeEventId} (from the newest when null), at
   * most {@code limit}, with their events. Each as it stands: a PENDING one with its attempts, last error and due time
   * (and its lease, when an instance holds it), a DELIVERED or PARKED one with the time it became so
   * ({@code updatedAt}). A DELIVERED delivery is listed until {@link EventPort#prune} deletes it with its event.
   *
   * @param tenantId the tenant
   * @param subscriber the subscriber, {@code webhook:<endpointId>} for an endpoint
   * @param status the one status to list, or null for all
   * @param beforeEventId the cursor: only deliveries of lower event ids; null for the first page
   * @param limit the most deliveries to return, 0 or more
   * @return the deliveries with their events, newest event first
   * @throws IllegalArgumentException if {@code limit} is negative
   */
  List<ClaimedDelivery> listForSubscriber(long tenantId, String subscriber, DeliveryStatus status, Long beforeEventId,
      int limit);

  /**
   * Makes a parked delivery PENDING again, due at {@code now}, with no attempts.
   *
   * @return whether a parked delivery was found
   */
  boolean replay(long tenantId, long eventId, String subscriber, Instant now);

  /** Deletes every delivery of a subscriber in a tenant (a deleted webhook endpoint). */
  void deleteAll(long tenantId, String subscriber);
}
