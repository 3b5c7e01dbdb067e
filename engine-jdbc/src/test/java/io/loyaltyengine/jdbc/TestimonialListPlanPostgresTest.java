package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.PostgresPlans.assertPageIsARange;
import static io.loyaltyengine.jdbc.PostgresPlans.campaign;
import static io.loyaltyengine.jdbc.PostgresPlans.plan;
import static io.loyaltyengine.jdbc.PostgresPlans.sql;
import static io.loyaltyengine.jdbc.PostgresPlans.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testkit.Pages;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plans of a campaign's testimonials list ({@code Testimonials.list(campaignId, status, page)}) on PostgreSQL
 * stay a range of an index in its order on a large table: 200,000 testimonials of one campaign, its 200 newest PENDING
 * (the moderation queue, which a host reads oldest first) and the rest APPROVED, beside another campaign's and
 * another tenant's, statistics gathered. A page of the PENDING queue and a page of all of them each read the rows of
 * their page and no more, neither reading the table whole nor sorting. The plans are printed, so that a change of
 * them can be read in the test output. The engine then answers the same pages.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class TestimonialListPlanPostgresTest {
  private final PostgresPlans.EngineDatabase database = new PostgresPlans.EngineDatabase();
  private final PostgresFixture fixture = database.fixture;
  private final LoyaltyEngine engine = database.engine;

  @AfterEach
  void tearDown() {
    database.close();
  }

  @Test
  void aPageOfACampaignsTestimonialsIsARangeOfAnIndexAllOrInOneStatus() throws Exception {
    TenantScope shop = tenant(engine, "Shop");
    Campaign campaign = campaign(shop, "Tea");
    Campaign other = campaign(shop, "Coffee");
    TenantScope stranger = tenant(engine, "Stranger");
    Campaign theirs = campaign(stranger, "Theirs");
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      // Ids (and participants) 1..200,000 of the campaign, the last 200 PENDING, the rest APPROVED; the other
      // campaign's and the other tenant's, all PENDING, interleaved by id.
      insert(s, shop.tenantId(), campaign.id(), 1, 200_000,
          "CASE WHEN g > 199800 THEN 'PENDING' ELSE 'APPROVED' END");
      insert(s, shop.tenantId(), other.id(), 300_001, 350_000, "'PENDING'");
      insert(s, stranger.tenantId(), theirs.id(), 1, 50_000, "'PENDING'");
      s.execute("ANALYZE testimonial");

      String pending = plan(s, statement(true)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterId", Long.toString(Long.MIN_VALUE))
          .replace(":status", "'PENDING'")
          .replace(":limit", "21"));
      assertPageIsARange(pending, "Index (Only )?Scan using \\w+ on testimonial", 21);
      assertFalse(pending.contains("Rows Removed by Filter"), "no row read to be dropped:\n" + pending);

      String all = plan(s, statement(false)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":campaignId", Long.toString(campaign.id()))
          .replace(":afterId", "150000")
          .replace(":limit", "101"));
      assertPageIsARange(all, "Index (Only )?Scan using \\w+ on testimonial", 101);
    }

    List<Testimonial> queue = Pages.all(
        page -> shop.testimonials().list(campaign.id(), TestimonialStatus.PENDING, page), Keyset.MAX_LIMIT);
    assertEquals(200, queue.size(), "the campaign's PENDING testimonials");
    assertEquals(199_801L, queue.get(0).id());
    assertEquals(200_000L, queue.get(199).id());
    assertTrue(queue.stream().allMatch(t -> t.campaignId() == campaign.id()
        && t.status() == TestimonialStatus.PENDING));
  }

  /** Testimonials {@code from..to} (their ids, and participants), status as {@code status}. */
  private static void insert(Statement s, long tenantId, long campaignId, int from, int to, String status)
      throws Exception {
    s.execute("INSERT INTO testimonial (tenant_id, testimonial_id, campaign_id, participant_id, text, rating,"
        + " status, created_at, moderated_at) SELECT " + tenantId + ", g, " + campaignId + ", g, 'Fine tea', 5, "
        + status + ", now(), NULL FROM generate_series(" + from + ", " + to + ") g");
  }

  /** The list's statement, with or without the status, as the port puts it together. */
  private static String statement(boolean status) throws ReflectiveOperationException {
    return sql("TESTIMONIAL_LIST") + (status ? sql("TESTIMONIAL_AND_STATUS")
        + sql("TESTIMONIAL_STATUS_ORDER") : sql("TESTIMONIAL_ORDER"));
  }
}
