package io.loyaltyengine.core.event;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.events.ChangeFeed;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.FeedPage;
import java.util.List;

/** A tenant's change feed. Thread-safe when its context is. */
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
    List<EventRecord> rows = context.transactions().run(tx -> {
      if (tx.tenants().find(tenantId).isEmpty()) {
        throw LoyaltyException.notFound("tenant");
      }
      return tx.events().feed(tenantId, afterPosition, f.types(), f.campaignId(), limit);
    });
    long next = rows.isEmpty() ? afterPosition : rows.get(rows.size() - 1).position();
    return new FeedPage(rows.stream().map(EventRecord::toEvent).toList(), next);
  }
}
