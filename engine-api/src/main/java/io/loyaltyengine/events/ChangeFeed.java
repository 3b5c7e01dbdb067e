package io.loyaltyengine.events;

/**
 * A tenant's events in position order, for integrations that poll. Thread-safe.
 *
 * <p>Start with position 0 and pass {@link FeedPage#nextPosition()} to the next read. An event appears in the feed
 * once the dispatcher has positioned it: in the first dispatch round after its commit, unless more than
 * {@link EventSettings#batchSize()} of the tenant's events wait (a round positions that many of a tenant's events,
 * oldest first, and the next round the following ones). Positions only grow, so a reader that keeps its cursor never
 * misses an event nor sees one twice. Dispatched events are pruned after the retention period: a reader must poll
 * more often than that.
 *
 * <p>Position order is close to commit order, not the same: events committed at about the same time, on one engine
 * instance or on several, can take their positions in either order, a participant's too. A participant's order is
 * {@link LoyaltyEvent#sequence()}, which listeners and webhooks receive events in.
 */
public interface ChangeFeed {
  /**
   * Reads events after a position.
   *
   * <p>A cursor past the end of the feed is not refused (the engine does not tell a cursor it gave from one made
   * up): the page is empty and keeps the cursor, and events are read again only once positioned after it, so such a
   * cursor skips those positioned up to it.
   *
   * @param afterPosition the cursor: 0 for the beginning, else a previous page's {@code nextPosition}
   * @param filter which events (other events are skipped but advance the cursor); null for every event
   * @param limit page size, 1..100
   * @return the page of events and the next cursor
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code afterPosition} (negative) or {@code limit};
   *     NOT_FOUND if the tenant does not exist, or the filter's campaign is not the tenant's
   */
  FeedPage read(long afterPosition, EventFilter filter, int limit);
}
