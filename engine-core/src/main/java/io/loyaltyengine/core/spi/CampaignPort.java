package io.loyaltyengine.core.spi;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
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
   * Replaces a campaign's name and visibility with the update's (already validated), in one update that returns the
   * row it wrote; the status, time zone and everything else stay.
   *
   * @return the campaign as the update wrote it; empty if the tenant has no such campaign
   */
  Optional<Campaign> update(long tenantId, long campaignId, CampaignUpdate update);

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
