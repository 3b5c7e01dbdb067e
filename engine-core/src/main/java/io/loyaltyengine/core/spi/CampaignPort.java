package io.loyaltyengine.core.spi;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import java.util.List;
import java.util.Optional;

/**
 * Campaigns of a tenant.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface CampaignPort {
  /** Inserts a new campaign; its brand exists in the same tenant. */
  void insert(Campaign campaign);

  /** Finds a campaign of the tenant. */
  Optional<Campaign> find(long tenantId, long campaignId);

  /** The campaigns of one brand of the tenant, in id order. */
  List<Campaign> listByBrand(long tenantId, long brandId);

  /**
   * Locks a campaign's row until the end of the transaction. Features that must serialize one campaign's changes
   * take it: coupon uploads and the assignment that finds the pool empty (so neither misses the other), and
   * referral signups (so that concurrent referrals cannot close a cycle).
   */
  void lock(long tenantId, long campaignId);

  /**
   * Sets the status to {@code next} if and only if it is {@code expected} now (compare-and-set).
   *
   * @return whether the row changed
   */
  boolean updateStatus(long tenantId, long campaignId, CampaignStatus expected, CampaignStatus next);
}
