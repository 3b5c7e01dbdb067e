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
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.testkit.Pages;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plans of a campaign's referrals list ({@code Referrals.referrals(campaignId, status, page)}, a fraud review's
 * queue) on PostgreSQL stay a range of an index in its order on a large table: 200,000 COUNTED referrals of one
 * campaign with its 200 IN_REVIEW ones among them, beside another campaign's and another tenant's, statistics
 * gathered. A page of the IN_REVIEW queue reads ix_referral_campaign_status, a page of all of them
 * ix_referral_campaign: neither reads the table whole nor sorts, and each reads the rows of its page and no more. The
 * plans are printed, so that a change of them can be read in the test output. The engine then answers the same
 * pages.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ReferralListPlanPostgresTest {
  private final PostgresPlans.EngineDatabase database = new PostgresPlans.EngineDatabase();
  private final PostgresFixture fixture = database.fixture;
  private final LoyaltyEngine engine = database.engine;

  @AfterEach
  void tearDown() {
    database.close();
  }

  @Test
  void aPageOfACampaignsReferralsIsARangeOfAnIndexAllOrInOneStatus() throws Exception {
    TenantScope shop = tenant(engine, "Shop");
    Campaign campaign = campaign(shop, "Tea");
    Campaign other = campaign(shop, "Coffee");
    TenantScope stranger = tenant(engine, "Stranger");
    Campaign theirs = campaign(stranger, "Theirs");
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      // Invited ids 1..200,000 of the campaign, every 1,000th IN_REVIEW, the rest COUNTED; the other campaign's and
      // the other tenant's, all IN_REVIEW, interleaved by id.
      insert(s, shop.tenantId(), campaign.id(), 1, 200_000,
          "CASE WHEN g % 1000 = 0 THEN 'IN_REVIEW' ELSE 'COUNTED' END");
      insert(s, shop.tenantId(), other.id(), 300_001, 350_000, "'IN_REVIEW'");
      insert(s, stranger.tenantId(), theirs.id(), 1, 50_000, "'IN_REVIEW'");
      s.execute("ANALYZE referral");

      String review = plan(s, statement(true)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterInvitedId", Long.toString(Long.MIN_VALUE))
          .replace(":status", "'IN_REVIEW'")
          .replace(":limit", "51"));
      assertPageIsARange(review, "Index Scan using ix_referral_campaign_status on referral", 51);

      String all = plan(s, statement(false)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterInvitedId", "150000")
          .replace(":limit", "101"));
      assertPageIsARange(all, "Index Scan using ix_referral_campaign on referral", 101);
    }

    List<Referral> queue = Pages.all(
        page -> shop.referrals().referrals(campaign.id(), ReferralStatus.IN_REVIEW, page), Keyset.MAX_LIMIT);
    assertEquals(200, queue.size(), "the campaign's referrals in review");
    assertEquals(1_000L, queue.get(0).invitedId());
    assertEquals(200_000L, queue.get(199).invitedId());
    assertTrue(queue.stream().allMatch(r -> r.campaignId() == campaign.id()
        && r.status() == ReferralStatus.IN_REVIEW && r.riskReason().equals("VELOCITY_IP")));
  }

  /** Referrals of invited ids {@code from..to}, all by referrer 0, status as {@code status}. */
  private static void insert(Statement s, long tenantId, long campaignId, int from, int to, String status)
      throws Exception {
    s.execute("INSERT INTO referral (tenant_id, invited_id, campaign_id, referrer_id, code_kind, risk_level,"
        + " risk_reason, status, created_at) SELECT " + tenantId + ", g, " + campaignId + ", 0, 'SHORT',"
        + " CASE WHEN " + status + " = 'IN_REVIEW' THEN 'HIGH' ELSE 'LOW' END, CASE WHEN " + status
        + " = 'IN_REVIEW' THEN 'VELOCITY_IP' ELSE 'NO_SIGNAL' END, " + status + ", now()"
        + " FROM generate_series(" + from + ", " + to + ") g");
  }

  /** The list's statement, with or without the status, as the port puts it together. */
  private static String statement(boolean status) throws ReflectiveOperationException {
    return sql("REFERRAL_FOR_CAMPAIGN") + (status ? sql("REFERRAL_AND_STATUS")
        + sql("REFERRAL_CAMPAIGN_STATUS_ORDER_LIMIT") : sql("REFERRAL_CAMPAIGN_ORDER_LIMIT"));
  }
}
