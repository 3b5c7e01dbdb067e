package io.loyaltyengine;

import io.loyaltyengine.brand.Brands;
import io.loyaltyengine.campaign.Campaigns;
import io.loyaltyengine.events.ChangeFeed;
import io.loyaltyengine.participant.Participants;
import io.loyaltyengine.points.Points;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.webhooks.Webhooks;

/**
 * The operations of one tenant. Every read and write through a scope is confined to its tenant: ids of another
 * tenant's brands, campaigns or participants are {@link ErrorCode#NOT_FOUND} here.
 *
 * <p>Thread-safe, unless bound to a {@link HostTransaction} by {@link #joining(HostTransaction)}.
 */
public interface TenantScope {

  /** The tenant's id. */
  long tenantId();

  /**
   * Reads the tenant.
   *
   * @throws LoyaltyException NOT_FOUND if the tenant does not exist
   */
  Tenant tenant();

  /** Brands (website domains) of this tenant. */
  Brands brands();

  /** Campaigns of this tenant's brands. */
  Campaigns campaigns();

  /** Participants (advocates) of this tenant's campaigns. */
  Participants participants();

  /** Points: awards, deductions and ledger history. */
  Points points();

  /** Campaign rewards, loyalty actions and earned rewards. */
  io.loyaltyengine.rewards.Rewards rewards();

  /** Coupon pools. */
  io.loyaltyengine.coupons.CouponPools coupons();

  /** Catalog rewards and redemptions. */
  io.loyaltyengine.catalog.Catalog catalog();

  /** Leaderboards all time, this month and last month, and each month's winners. */
  io.loyaltyengine.leaderboard.Leaderboards leaderboards();

  /** Referral codes, signups and referral chains. */
  io.loyaltyengine.referrals.Referrals referrals();

  /** Participants' testimonials and their moderation. */
  io.loyaltyengine.testimonials.Testimonials testimonials();

  /** Quests: tasks that award points, and a bonus for completing them all. */
  io.loyaltyengine.quests.Quests quests();

  /** Feedback boards: participants' ideas and votes. */
  io.loyaltyengine.feedback.FeedbackBoards feedback();

  /** The tenant's events in commit order, for integrations that poll. */
  ChangeFeed changeFeed();

  /** The tenant's webhook endpoints. */
  Webhooks webhooks();

  /** Which participant each of the host's customers is, per campaign. */
  io.loyaltyengine.customers.CustomerMappings customerMappings();

  /** Single sign-on: recognising the host's signed-in customers as participants. */
  io.loyaltyengine.sso.SingleSignOn singleSignOn();

  /** The tenant's API keys. */
  io.loyaltyengine.access.ApiKeys apiKeys();

  /**
   * Returns this scope bound to a host's transaction: its operations write on the host's connection and commit or
   * roll back with the host's work. The returned scope is confined to the host's thread.
   *
   * @param transaction the host's transaction, from the storage module (for example {@code JdbcHostTransaction.of})
   * @throws NullPointerException if {@code transaction} is null (a programming error, as with the builders)
   * @throws IllegalArgumentException if the engine's storage cannot join this kind of transaction
   */
  TenantScope joining(HostTransaction transaction);
}
