package io.loyaltyengine.events;

import java.util.List;

/**
 * One page of a change feed. Immutable.
 *
 * @param events the events, in position order
 * @param nextPosition the cursor for the next read: the last position scanned, which passes the events the filter
 *     skipped (a page that is not full scanned to the end of the feed, past positions whose events were pruned too);
 *     unchanged when no event was ever positioned after the cursor
 */
public record FeedPage(List<LoyaltyEvent> events, long nextPosition) {
  /**
   * Copies {@code events}.
   *
   * @param events the events, in position order
   * @param nextPosition the cursor for the next read: the last position scanned, which passes the events the filter
   *     skipped (a page that is not full scanned to the end of the feed, past positions whose events were pruned too);
   *     unchanged when no event was ever positioned after the cursor
   */
  public FeedPage {
    events = List.copyOf(events);
  }
}
