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

  /**
   * The tenant's id.
   *
   * @return the tenant's id
   */
  long tenantId();

  /**
   * Reads the tenant.
   *
   * @return the tenant
   * @throws LoyaltyException NOT_FOUND if the tenant does not exist
   */
  Tenant tenant();

  /**
   * Brands (website domains) of this tenant.
   *
   * @return the tenant's brands
   */
  Brands brands();

  /**
   * Campaigns of this tenant's brands.
   *
   * @return the tenant's campaigns
   */
  Campaigns campaigns();

  /**
   * Participants (advocates) of this tenant's campaigns.
   *
   * @return the tenant's participants
   */
  Participants participants();

  /**
   * Points: awards, deductions and ledger history.
   *
   * @return the tenant's points
   */
  Points points();

  /**
   * Campaign rewards, loyalty actions and earned rewards.
   *
   * @return the tenant's rewards
   */
  io.loyaltyengine.rewards.Rewards rewards();

  /**
   * Coupon pools.
   *
   * @return the tenant's coupon pools
   */
  io.loyaltyengine.coupons.CouponPools coupons();

  /**
   * Catalog rewards and redemptions.
   *
   * @return the tenant's catalog
   */
  io.loyaltyengine.catalog.Catalog catalog();

  /**
   * Leaderboards all time, this month and last month, and each month's winners.
   *
   * @return the tenant's leaderboards
   */
  io.loyaltyengine.leaderboard.Leaderboards leaderboards();

  /**
   * Referral codes, signups and referral chains.
   *
   * @return the tenant's referrals
   */
  io.loyaltyengine.referrals.Referrals referrals();

  /**
   * Participants' testimonials and their moderation.
   *
   * @return the tenant's testimonials
   */
  io.loyaltyengine.testimonials.Testimonials testimonials();

  /**
   * Quests: tasks that award points, and a bonus for completing them all.
   *
   * @return the tenant's quests
   */
  io.loyaltyengine.quests.Quests quests();

  /**
   * Feedback boards: participants' ideas and votes.
   *
   * @return the tenant's feedback boards
   */
  io.loyaltyengine.feedback.FeedbackBoards feedback();

  /**
   * The tenant's events in position order (close to commit order, see {@link ChangeFeed}), for integrations that
   * poll.
   *
   * @return the tenant's change feed
   */
  ChangeFeed changeFeed();

  /**
   * The tenant's webhook endpoints.
   *
   * @return the tenant's webhooks
   */
  Webhooks webhooks();

  /**
   * Which participant each of the host's customers is, per campaign.
   *
   * @return the tenant's customer mappings
   */
  io.loyaltyengine.customers.CustomerMappings customerMappings();

  /**
   * Single sign-on: recognising the host's signed-in customers as participants.
   *
   * @return the tenant's single sign-on
   */
  io.loyaltyengine.sso.SingleSignOn singleSignOn();

  /**
   * The tenant's API keys.
   *
   * @return the tenant's API keys
   */
  io.loyaltyengine.access.ApiKeys apiKeys();

  /**
   * Returns this scope bound to a host's transaction: its operations write on the host's connection and commit or
   * roll back with the host's work. The returned scope is confined to the host's thread.
   *
   * <p>The engine is not told when the host commits or rolls back, so what it keeps in memory is never updated from
   * the returned scope's writes, only dropped or bypassed: a rollback leaves this instance answering as if they were
   * never made, and a commit reaches it as another instance's writes do. An API key revoked or deleted here is read
   * at every authentication for one key cache TTL (refused once the host commits, live again if it rolls back); a
   * referral signing key rotated or retired here makes this instance read the tenant's keys again (see
   * {@link io.loyaltyengine.referrals.Referrals#rotateSigningKey()} and
   * {@link io.loyaltyengine.referrals.Referrals#retireSigningKey(int)}); leaderboard indexes learn of these writes by
   * catching up, as of other instances' (see {@link io.loyaltyengine.leaderboard.LeaderboardSettings}, whose catch-up
   * margin bounds how long the host's transaction may take to commit).
   *
   * @param transaction the host's transaction, from the storage module (for example {@code JdbcHostTransaction.of})
   * @return this tenant's operations in the host's transaction
   * @throws NullPointerException if {@code transaction} is null (a programming error, as with the builders)
   * @throws IllegalArgumentException if the engine's storage cannot join this kind of transaction
   */
  TenantScope joining(HostTransaction transaction);
}
