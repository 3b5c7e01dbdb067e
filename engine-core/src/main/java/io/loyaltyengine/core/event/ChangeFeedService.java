package io.loyaltyengine.core.event;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.events.ChangeFeed;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.FeedPage;
import java.util.List;

/**
 * A tenant's change feed. The store filters, so a page holds up to {@code limit} matching events; the cursor it
 * returns is the last position scanned: the page's last event when the page is full (nothing after it was looked
 * at), else the end of the feed, past the events the filter skipped, so that the next read does not scan them again.
 * The end is read before the events: every position up to it had committed by then, so the events read after it
 * include every matching one up to it, and no event is passed unseen.
 *
 * <p>Thread-safe when its context is.
 */
public final class ChangeFeedService implements ChangeFeed {
  private final ScopeContext context;

  /** Creates the service. */
  public ChangeFeedService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public FeedPage read(long afterPosition, EventFilter filter, int limit) {
    if (afterPosition < 0) {
      throw LoyaltyException.validation("afterPosition", "afterPosition must be 0 or a position read before");
    }
    if (limit < 1 || limit > Keyset.MAX_LIMIT) {
      throw LoyaltyException.validation("limit", "limit must be between 1 and " + Keyset.MAX_LIMIT);
    }
    EventFilter f = filter == null ? EventFilter.all() : filter;
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      TenantService.require(tx, tenantId);
      if (f.campaignId() != null) {
        // Another tenant's campaign, or none, is NOT_FOUND, as for a webhook's filter: not an empty feed forever.
        CampaignService.require(tx, tenantId, f.campaignId());
      }
      long end = tx.events().lastPosition(tenantId);
      List<EventRecord> rows = tx.events().feed(tenantId, afterPosition, f.types(), f.campaignId(), limit);
      long last = rows.isEmpty() ? afterPosition : rows.get(rows.size() - 1).position();
      // A page that is not full scanned to the end of the feed (at least to end, perhaps beyond it to its last row).
      long next = rows.size() == limit ? last : Math.max(Math.max(afterPosition, end), last);
      return new FeedPage(rows.stream().map(EventRecord::toEvent).toList(), next);
    });
  }
}
