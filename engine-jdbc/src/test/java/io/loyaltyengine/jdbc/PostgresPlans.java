package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.jdbc.internal.Sql;
import io.loyaltyengine.tenant.NewTenant;
import java.lang.reflect.Field;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the PostgreSQL plan tests share: a statement's plan as executed ({@code EXPLAIN ANALYZE}, printed so that a
 * change of plan can be read in the test output), a statement of {@link Sql} as the port sends it, and a tenant with
 * a running campaign to fill, and a database with an engine on it ({@link EngineDatabase}).
 *
 * <p>Thread-safe: stateless.
 */
final class PostgresPlans {
  private PostgresPlans() {
  }

  /** The plan PostgreSQL executed for {@code query}, without costs or timings, one line per node. */
  static String plan(Statement s, String query) throws SQLException {
    List<String> plan = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query)) {
      while (rs.next()) {
        plan.add(rs.getString(1));
      }
    }
    System.out.println("plan:\n" + String.join("\n", plan));
    return String.join("\n", plan);
  }

  /**
   * Asserts that {@code plan} reads a page of {@code rows} rows as one range of an index in its order: no sequential
   * scan, no sort, and a scan node matching {@code scan} (a regular expression, say {@code "Index Scan using
   * ix_referral_campaign on referral"}) that returned exactly the page.
   */
  static void assertPageIsARange(String plan, String scan, int rows) {
    assertFalse(plan.contains("Seq Scan") || plan.contains("Sort"), "a range in order:\n" + plan);
    assertTrue(plan.matches("(?s).*" + scan + " \\(actual rows=" + rows + "(\\.0+)? loops=1\\).*"),
        "the page's rows and no more:\n" + plan);
  }

  /** The text of one of {@link Sql}'s statements (they are package-private there). */
  static String sql(String name) throws ReflectiveOperationException {
    Field field = Sql.class.getDeclaredField(name);
    field.setAccessible(true);
    return (String) field.get(null);
  }

  /** A new tenant of {@code engine}. */
  static TenantScope tenant(LoyaltyEngine engine, String name) {
    return engine.forTenant(engine.tenants().create(NewTenant.business(name)).id());
  }

  /** A running campaign of a new brand of {@code scope}. */
  static Campaign campaign(TenantScope scope, String name) {
    long brand = scope.brands().create(new NewBrand(name, "https://" + name.toLowerCase() + ".example")).id();
    return scope.campaigns().create(NewCampaign.running(brand, name));
  }

  /**
   * A database of its own with an engine on it, dispatching by hand: what a list plan test fills with rows through
   * {@link #fixture} and reads through {@link #engine}. Not thread-safe: one test's.
   */
  static final class EngineDatabase implements AutoCloseable {
    final PostgresFixture fixture = new PostgresFixture();
    final LoyaltyEngine engine = LoyaltyEngine.builder().storage(fixture.openStorage())
        .events(EventSettings.builder().manualDispatch().build()).build();

    @Override
    public void close() {
      engine.close();
      fixture.close();
    }
  }
}
