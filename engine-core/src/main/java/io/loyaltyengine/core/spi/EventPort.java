package io.loyaltyengine.core.spi;

import io.loyaltyengine.events.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The outbox and the change feed.
 *
 * <h2>Positions</h2>
 * Events are appended unpositioned (position 0). The dispatcher positions them later, in a unit of work that first
 * takes the tenant's feed lock ({@link #lockFeed}); because that lock serializes positioning per tenant and only
 * committed events are visible to it, positions only grow and a change-feed reader never skips one. They follow
 * commit order only roughly: events are positioned in id order, and ids are taken before the commit.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface EventPort {
  /**
   * Increments a participant's event counter under its row lock and returns the new value (1 for the first event).
   *
   * @return the new sequence, or 0 if the participant does not exist
   */
  long nextSequence(long tenantId, long participantId);

  /**
   * As {@link #nextSequence}, for a participant of {@code campaignId} only: a participant of another campaign is left
   * as it is, as if it did not exist. Lets a change that names its participant by id find it and number its event in
   * one step.
   *
   * @return the new sequence, or 0 if the participant does not exist or belongs to another campaign
   */
  long nextSequenceInCampaign(long tenantId, long participantId, long campaignId);

  /** Appends an unpositioned event. */
  void append(EventRecord event);

  /** As {@link #append} for each event, in order; a store may send them in one batch. */
  default void appendAll(List<EventRecord> events) {
    for (EventRecord event : events) {
      append(event);
    }
  }

  /**
   * Tenants with ids above {@code afterTenantId} that have unpositioned events, in id order, at most {@code limit};
   * the dispatcher walks them page by page, so no tenant waits behind busier ones.
   */
  List<Long> tenantsWithUnpositionedEvents(long afterTenantId, int limit);

  /**
   * Locks the tenant's feed until the end of the transaction (creating its row on first use) and returns the last
   * position given in it (0 for none).
   */
  long lockFeed(long tenantId);

  /**
   * The tenant's unpositioned events in id order, at most {@code limit}. Call with the feed locked to position them;
   * without the lock it only tells whether the tenant has any (committed ones, as the transaction sees them).
   */
  List<EventRecord> unpositioned(long tenantId, int limit);

  /**
   * Gives an event its position, positioned at {@code positionedAt} (the time {@link #prune} counts from). Call with
   * the feed locked.
   */
  void position(long tenantId, long eventId, long position, Instant positionedAt);

  /**
   * As {@link #position} for each of {@code eventIds}: the first at {@code firstPosition}, each next one at the
   * position after the one before; a store may send them in one batch. Call with the feed locked.
   */
  default void positionAll(long tenantId, List<Long> eventIds, long firstPosition, Instant positionedAt) {
    for (int i = 0; i < eventIds.size(); i++) {
      position(tenantId, eventIds.get(i), firstPosition + i, positionedAt);
    }
  }

  /** Records the last position given in the tenant's feed. Call with the feed locked. */
  void advanceFeed(long tenantId, long lastPosition);

  /**
   * The last position given in the tenant's feed, as last committed (0 for none), read without taking the feed's lock
   * and without creating its row. Positions and this value commit together, so every position up to it is visible to
   * a read that starts after this one.
   */
  long lastPosition(long tenantId);

  /**
   * Positioned events of a tenant after {@code afterPosition}, in position order, at most {@code limit}, of the
   * given types (all when empty) and campaign (all when null).
   */
  List<EventRecord> feed(long tenantId, long afterPosition, Set<EventType> types, Long campaignId, int limit);

  /** Finds an event. */
  Optional<EventRecord> find(long tenantId, long eventId);

  /**
   * One step of a pass of pruning: examines the next events positioned before {@code before} (not those that occurred
   * before it: an event positioned late stays its retention in the feed), at most {@code limit}, in the order of when
   * they were positioned, then tenant, then id, from just after {@code after} (null: from the first), and deletes those
   * that have no delivery that is not DELIVERED (their delivered deliveries go with them). Events not yet positioned
   * are not examined. A step reads about the events it examines, whatever number of events held by undelivered
   * deliveries lie before them (a pass walks past those once).
   *
   * @param before the cutoff
   * @param after the last event examined by the step before (its {@link PruneStep#last()}), or null
   * @param limit the most events to examine
   * @return how many events were examined and deleted, and the last one examined
   */
  PruneStep prune(Instant before, PruneCursor after, int limit);
}
