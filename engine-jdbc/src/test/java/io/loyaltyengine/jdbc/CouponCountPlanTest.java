package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.jdbc.internal.Sql;
import io.loyaltyengine.tenant.NewTenant;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The counts an assignment makes when its campaign has a low-stock threshold ({@code CouponPort.countAfter}, on every
 * assignment, and {@code countBefore}) read a few rows of the pool's key range, not the pool: a pool of 100,000
 * codes (most of them assigned, as near its end), counted after and before codes near either end. On H2 the rows each
 * scan read ({@code scanCount} of {@code EXPLAIN ANALYZE}) are at most the bound and the code's own lookup; on
 * PostgreSQL the plan is a range of the primary key, without a sort, returning at most the bound. The plans are
 * printed. The port's answers are checked on the same pool.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class CouponCountPlanTest {
  private static final int CODES = 100_000;
  private static final int AT_MOST = 4;
  private static final Pattern SCAN_COUNT = Pattern.compile("scanCount: (\\d+)");
  private static final Pattern ACTUAL_ROWS = Pattern.compile("Index (?:Only )?Scan(?: Backward)? using pk_coupon_code"
      + " on coupon_code \\(actual rows=(\\d+)");

  @Test
  void onH2EachCountReadsAFewRowsOfTheKeyRange() throws Exception {
    try (H2FileFixture fixture = new H2FileFixture(true)) {
      for (String plan : plans(fixture, true)) {
        Matcher m = SCAN_COUNT.matcher(plan);
        int scans = 0;
        while (m.find()) {
          scans++;
          assertTrue(Integer.parseInt(m.group(1)) <= AT_MOST + 2, "a few rows, not the pool:\n" + plan);
        }
        assertTrue(scans > 0, "the plan reports what it read:\n" + plan);
      }
    }
  }

  @Test
  void onPostgresEachCountIsARangeOfThePrimaryKey() throws Exception {
    try (PostgresFixture fixture = new PostgresFixture()) {
      for (String plan : plans(fixture, false)) {
        assertFalse(plan.contains("Seq Scan") || plan.contains("Sort"), "a range, not sorted:\n" + plan);
        assertTrue(plan.matches("(?s).*Index Cond: .*coupon_id [<>] .*"), "bounded by the code's id:\n" + plan);
        Matcher m = ACTUAL_ROWS.matcher(plan);
        assertTrue(m.find(), "the primary key is read:\n" + plan);
        assertTrue(Integer.parseInt(m.group(1)) <= AT_MOST, "at most the bound:\n" + plan);
      }
    }
  }

  /**
   * Fills a pool of {@link #CODES} codes C1.. (ids 1..; all but the last 10 assigned) beside another campaign's, checks
   * the port's counts, and returns the plans of both counts for codes near either end.
   */
  private static List<String> plans(JdbcFixture fixture, boolean h2) throws Exception {
    List<String> plans = new ArrayList<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(fixture.openStorage())
        .events(EventSettings.builder().manualDispatch().build()).build()) {
      TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
      long brand = shop.brands().create(new NewBrand("Shop", "https://shop.example")).id();
      Campaign campaign = shop.campaigns().create(NewCampaign.running(brand, "Tea"));
      Campaign other = shop.campaigns().create(NewCampaign.running(brand, "Coffee"));
      long tenantId = shop.tenantId();
      try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
        insert(s, h2, tenantId, campaign.id(), CODES);
        insert(s, h2, tenantId, other.id(), 1_000);
        if (!h2) {
          s.execute("ANALYZE coupon_code");
        }
        for (String code : List.of("C3", "C50000", "C99998")) {
          for (String query : List.of("COUPON_COUNT_AFTER", "COUPON_COUNT_BEFORE")) {
            String sql = statement(query, h2).replace(":tenantId", Long.toString(tenantId))
                .replace(":campaignId", Long.toString(campaign.id())).replace(":code", "'" + code + "'")
                .replace(":atMost", Integer.toString(AT_MOST));
            plans.add(plan(s, h2, sql));
          }
        }
      }
      Storage storage = fixture.openStorage();
      assertEquals(List.of(4L, 4L, 4L, 2L, 2L, 4L, 0L, 0L), storage.inTransaction(tx -> List.of(
          tx.coupons().countAfter(tenantId, campaign.id(), "C3", AT_MOST),
          tx.coupons().countAfter(tenantId, campaign.id(), "C50000", AT_MOST),
          tx.coupons().countBefore(tenantId, campaign.id(), "C50000", AT_MOST),
          tx.coupons().countBefore(tenantId, campaign.id(), "C3", AT_MOST),
          tx.coupons().countAfter(tenantId, campaign.id(), "C99998", AT_MOST),
          tx.coupons().countBefore(tenantId, campaign.id(), "C99998", AT_MOST),
          tx.coupons().countAfter(tenantId, campaign.id(), "C" + CODES, AT_MOST),
          tx.coupons().countBefore(tenantId, campaign.id(), "C1", AT_MOST))));
    }
    return plans;
  }

  private static void insert(Statement s, boolean h2, long tenantId, long campaignId, int codes) throws Exception {
    String g = h2 ? "r.g" : "g";
    String series = h2 ? "SYSTEM_RANGE(1, " + codes + ") r(g)" : "generate_series(1, " + codes + ") g";
    s.execute("INSERT INTO coupon_code (tenant_id, campaign_id, coupon_id, code, status, created_at) SELECT "
        + tenantId + ", " + campaignId + ", " + g + ", 'C' || " + g + ", CASE WHEN " + g + " <= " + (codes - 10)
        + " THEN 'ASSIGNED' ELSE 'FREE' END, CURRENT_TIMESTAMP FROM " + series);
  }

  private static String plan(Statement s, boolean h2, String query) throws Exception {
    List<String> lines = new ArrayList<>();
    try (ResultSet rs = s.executeQuery((h2 ? "EXPLAIN ANALYZE " : "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ")
        + query)) {
      while (rs.next()) {
        lines.add(rs.getString(1));
      }
    }
    String plan = String.join("\n", lines);
    System.out.println("plan:\n" + plan);
    return plan;
  }

  /** The statement the port runs, as {@code Sql} puts it together for the dialect. */
  private static String statement(String query, boolean h2) throws ReflectiveOperationException {
    if (!query.equals("COUPON_COUNT_AFTER")) {
      return constant(query);
    }
    Method method = Sql.class.getDeclaredMethod("couponCountAfter");
    method.setAccessible(true);
    return (String) method.invoke(new Sql(h2 ? SqlDialect.H2 : SqlDialect.POSTGRESQL));
  }

  private static String constant(String name) throws ReflectiveOperationException {
    Field field = Sql.class.getDeclaredField(name);
    field.setAccessible(true);
    return (String) field.get(null);
  }
}
