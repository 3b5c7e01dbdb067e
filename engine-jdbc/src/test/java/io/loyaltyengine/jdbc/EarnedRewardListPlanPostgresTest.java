package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.PostgresPlans.assertPageIsARange;
import static io.loyaltyengine.jdbc.PostgresPlans.campaign;
import static io.loyaltyengine.jdbc.PostgresPlans.plan;
import static io.loyaltyengine.jdbc.PostgresPlans.sql;
import static io.loyaltyengine.jdbc.PostgresPlans.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.testkit.Pages;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plans of a campaign's earned rewards list ({@code Rewards.earned(campaignId, status, page)}) on PostgreSQL stay
 * a range of an index in its order on a large table: 200,000 FULFILLED rewards of one campaign with its 200 PENDING
 * ones among the last, beside another campaign's and another tenant's, statistics gathered. A page of the PENDING
 * queue reads ix_earned_reward_campaign_status, a page of all of them ix_earned_reward_campaign: neither reads the
 * table whole nor sorts, and each reads the rows of its page and no more. The plans are printed, so that a change of
 * them can be read in the test output. The engine then answers the same pages.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class EarnedRewardListPlanPostgresTest {
  private final PostgresPlans.EngineDatabase database = new PostgresPlans.EngineDatabase();
  private final PostgresFixture fixture = database.fixture;
  private final LoyaltyEngine engine = database.engine;

  @AfterEach
  void tearDown() {
    database.close();
  }

  @Test
  void aPageOfACampaignsEarnedRewardsIsARangeOfAnIndexAllOrInOneStatus() throws Exception {
    TenantScope shop = tenant(engine, "Shop");
    Campaign campaign = campaign(shop, "Tea");
    Campaign other = campaign(shop, "Coffee");
    TenantScope stranger = tenant(engine, "Stranger");
    Campaign theirs = campaign(stranger, "Theirs");
    CampaignReward reward = shop.rewards().define(campaign.id(), NewCampaignReward.message("Thanks", "Thanks", 1));
    CampaignReward elsewhere = shop.rewards().define(other.id(), NewCampaignReward.message("Else", "Else", 1));
    CampaignReward strangers = stranger.rewards().define(theirs.id(), NewCampaignReward.message("T", "T", 1));
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      // Ids 1..200,000 of the campaign, every 1,000th PENDING, the rest FULFILLED; the other campaign's and the
      // other tenant's, all PENDING, interleaved by id.
      insert(s, shop.tenantId(), campaign.id(), reward.id(), 1, 200_000,
          "CASE WHEN g > 0 AND g % 1000 = 0 THEN 'PENDING' ELSE 'FULFILLED' END");
      insert(s, shop.tenantId(), other.id(), elsewhere.id(), 300_001, 350_000, "'PENDING'");
      insert(s, stranger.tenantId(), theirs.id(), strangers.id(), 1, 50_000, "'PENDING'");
      s.execute("ANALYZE earned_reward");

      String pending = plan(s, statement(true)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterId", Long.toString(Long.MIN_VALUE))
          .replace(":status", "'PENDING'")
          .replace(":limit", "51"));
      assertPageIsARange(pending, "Index Scan using ix_earned_reward_campaign_status on earned_reward", 51);

      String all = plan(s, statement(false)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterId", "150000")
          .replace(":limit", "101"));
      assertPageIsARange(all, "Index Scan using ix_earned_reward_campaign on earned_reward", 101);
    }

    List<EarnedReward> queue = Pages.all(page -> shop.rewards().earned(campaign.id(), EarnedRewardStatus.PENDING, page),
        Keyset.MAX_LIMIT);
    assertEquals(200, queue.size(), "the campaign's PENDING rewards");
    assertEquals(1_000L, queue.get(0).id());
    assertEquals(200_000L, queue.get(199).id());
    assertTrue(queue.stream().allMatch(e -> e.campaignId() == campaign.id()
        && e.status() == EarnedRewardStatus.PENDING));
  }

  /** Earned rewards {@code from..to} (their ids, and participants), one cycle each, status as {@code status}. */
  private static void insert(Statement s, long tenantId, long campaignId, long rewardId, int from, int to,
      String status) throws Exception {
    s.execute("INSERT INTO earned_reward (tenant_id, earned_reward_id, campaign_id, participant_id,"
        + " campaign_reward_id, cycle, type, status, unread, points, cash_amount_minor, action_id, earned_at)"
        + " SELECT " + tenantId + ", g, " + campaignId + ", g, " + rewardId + ", 1, 'CUSTOM_MESSAGE', " + status
        + ", TRUE, 0, 0, 0, now() FROM generate_series(" + from + ", " + to + ") g");
  }

  /** The list's statement, with or without the status, as the port puts it together. */
  private static String statement(boolean status) throws ReflectiveOperationException {
    return sql("EARNED_FOR_CAMPAIGN") + (status ? sql("EARNED_AND_STATUS")
        + sql("EARNED_STATUS_ORDER_LIMIT") : sql("EARNED_ORDER_LIMIT"));
  }
}
