package io.loyaltyengine.core.campaign;

import io.loyaltyengine.core.spi.Transaction;
import java.time.ZoneId;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Campaigns' time zones, remembered per engine, so that a hot path that needs only the zone (an award's month for
 * the POINTS boards) does not read the campaign's row each time. Safe because a campaign's zone never changes after
 * it is created and campaign ids are never reused. One entry per campaign read through it. Also read inside a host's
 * transaction, which may hold a campaign it created and later roll back: that entry is then never read again, as
 * its id is never made again and every row that would lead to it (a reward, a participant) rolled back with it.
 *
 * <p>Thread-safe.
 */
public final class CampaignZones {
  private final ConcurrentHashMap<Key, ZoneId> zones = new ConcurrentHashMap<>();

  private record Key(long tenantId, long campaignId) {
  }

  /**
   * The zone of a campaign of the tenant, read in {@code tx} the first time.
   *
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such campaign
   */
  public ZoneId of(Transaction tx, long tenantId, long campaignId) {
    Key key = new Key(tenantId, campaignId);
    ZoneId zone = zones.get(key);
    if (zone == null) {
      zone = CampaignService.require(tx, tenantId, campaignId).timeZone();
      zones.putIfAbsent(key, zone);
    }
    return zone;
  }

  @Override
  public String toString() {
    return "CampaignZones[" + zones.size() + " campaigns]";
  }
}
