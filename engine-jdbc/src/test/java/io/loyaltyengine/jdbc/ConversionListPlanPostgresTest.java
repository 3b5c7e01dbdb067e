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
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.testkit.Pages;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plans of a campaign's conversions list ({@code Referrals.conversions(campaignId, status, page)}) and of a
 * referrer's ({@code Referrals.conversions(referrer, page)}, newest first) on PostgreSQL stay a range of an index in
 * its order on a large table: 50,000 conversions of one campaign, its 100 REJECTED ones (every 500th) among CONVERTED
 * and REVERSED ones, one referrer's 1,000 (every 50th) among other referrers', beside another campaign's and another
 * tenant's, statistics gathered. A page of the REJECTED ones reads ix_referral_conversion_campaign_status, a page of
 * all of them ix_referral_conversion_campaign, a page of the referrer's ix_referral_conversion_referrer backwards:
 * none reads the table whole nor sorts, and each reads the rows of its page and no more. The plans are printed, so
 * that a change of them can be read in the test output. The engine then answers the same pages.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ConversionListPlanPostgresTest {
  private final PostgresPlans.EngineDatabase database = new PostgresPlans.EngineDatabase();
  private final PostgresFixture fixture = database.fixture;
  private final LoyaltyEngine engine = database.engine;

  @AfterEach
  void tearDown() {
    database.close();
  }

  @Test
  void aPageOfACampaignsOrAReferrersConversionsIsARangeOfAnIndex() throws Exception {
    TenantScope shop = tenant(engine, "Shop");
    Campaign campaign = campaign(shop, "Tea");
    Campaign other = campaign(shop, "Coffee");
    TenantScope stranger = tenant(engine, "Stranger");
    Campaign theirs = campaign(stranger, "Theirs");
    long ada = shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com")).id();
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      // Conversion ids 1..50,000 of the campaign: every 500th REJECTED, the others REVERSED (every 7th) or
      // CONVERTED; Ada referred every 50th, 1,000 referrers the others. The other campaign's and the other tenant's,
      // all REJECTED and Ada's id, interleaved by id.
      insert(s, shop.tenantId(), campaign.id(), 1, 50_000, "CASE WHEN g % 500 = 0 THEN 'REJECTED' WHEN g % 7 = 0"
          + " THEN 'REVERSED' ELSE 'CONVERTED' END", "CASE WHEN g % 50 = 0 THEN " + ada + " ELSE g % 1000 END");
      insert(s, shop.tenantId(), other.id(), 100_001, 120_000, "'REJECTED'", Long.toString(ada));
      insert(s, stranger.tenantId(), theirs.id(), 1, 20_000, "'REJECTED'", Long.toString(ada));
      s.execute("ANALYZE referral_conversion");

      String rejected = plan(s, (sql("CONVERSIONS_OF_CAMPAIGN") + sql("CONVERSIONS_AND_STATUS")
          + sql("CONVERSIONS_OF_CAMPAIGN_STATUS_ORDER_LIMIT"))
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterConversionId", Long.toString(Long.MIN_VALUE))
          .replace(":status", "'REJECTED'")
          .replace(":limit", "51"));
      assertPageIsARange(rejected, "Index Scan using ix_referral_conversion_campaign_status on referral_conversion",
          51);

      String all = plan(s, (sql("CONVERSIONS_OF_CAMPAIGN") + sql("CONVERSIONS_OF_CAMPAIGN_ORDER_LIMIT"))
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterConversionId", "25000")
          .replace(":limit", "101"));
      assertPageIsARange(all, "Index Scan using ix_referral_conversion_campaign on referral_conversion", 101);

      String referrers = plan(s, (sql("CONVERSIONS_OF_REFERRER") + sql("CONVERSIONS_OF_REFERRER_BEFORE")
          + sql("CONVERSIONS_OF_REFERRER_NEWEST_LIMIT"))
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":referrerId", Long.toString(ada))
          .replace(":beforeConversionId", "30000")
          .replace(":limit", "21"));
      assertPageIsARange(referrers,
          "Index Scan Backward using ix_referral_conversion_referrer on referral_conversion", 21);
    }

    List<Conversion> queue = Pages.all(
        page -> shop.referrals().conversions(campaign.id(), ConversionStatus.REJECTED, page), Keyset.MAX_LIMIT);
    assertEquals(100, queue.size(), "the campaign's REJECTED conversions");
    assertEquals(500L, queue.get(0).id());
    assertEquals(50_000L, queue.get(99).id());
    assertTrue(queue.stream().allMatch(x -> x.campaignId() == campaign.id() && x.status() == ConversionStatus.REJECTED
        && x.orderId().equals("order-" + x.id())));
    List<Conversion> adas = Pages.all(page -> shop.referrals().conversions(ParticipantRef.id(ada), page),
        Keyset.MAX_LIMIT);
    assertEquals(1_000 + 20_000, adas.size(), "Ada's of both campaigns (of the tenant only)");
    assertEquals(120_000L, adas.get(0).id(), "newest first");
    assertEquals(50L, adas.get(adas.size() - 1).id());
  }

  /** Conversions of ids {@code from..to}, order ids {@code order-<id>}, referrer and status as given. */
  private static void insert(Statement s, long tenantId, long campaignId, int from, int to, String status,
      String referrer) throws Exception {
    s.execute("INSERT INTO referral_conversion (tenant_id, conversion_id, campaign_id, referrer_id, order_id,"
        + " order_value, points, status, points_reversed, created_at) SELECT " + tenantId + ", g, " + campaignId
        + ", " + referrer + ", 'order-' || g, 10, 1, " + status + ", 0, now() FROM generate_series(" + from + ", "
        + to + ") g");
  }
}
