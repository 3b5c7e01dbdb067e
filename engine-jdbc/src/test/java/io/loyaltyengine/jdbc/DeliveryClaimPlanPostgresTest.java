package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.jdbc.internal.Sql;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery claim's plan on PostgreSQL stays index-driven on a large delivery table: 300,000 delivered rows, the
 * usual bulk of the table until pruning, and 3,000 pending ones of 30 subscribers in 3 tenants, statistics gathered.
 * The claim must reach its pending rows through an index rather than read every delivery, whatever the ranking of
 * subscribers' turns adds on top. The plan is printed, so that a change of it can be read in the test output.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DeliveryClaimPlanPostgresTest {
  private PostgresFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new PostgresFixture();
    fixture.openStorage().close();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @Test
  void theClaimReadsPendingDeliveriesThroughAnIndexNotTheWholeTable() throws Exception {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
          + " schema_version, position, payload, positioned_at) SELECT 1 + g % 3, g, 'points.awarded', g % 5000, g,"
          + " now(), 1, g, '{}', now() FROM generate_series(1, 303000) g");
      s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
          + " status, attempts, next_attempt_at, updated_at) SELECT 1 + g % 3, g, 'webhook:' || (g % 10),"
          + " g % 5000, g, g, CASE WHEN g <= 300000 THEN 'DELIVERED' ELSE 'PENDING' END, 0,"
          + " now() - interval '1 minute', now() FROM generate_series(1, 303000) g");
      s.execute("ANALYZE event_outbox");
      s.execute("ANALYZE event_delivery");

      List<String> plan = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + claimWithValues())) {
        while (rs.next()) {
          plan.add(rs.getString(1));
        }
      }
      System.out.println("delivery claim plan:\n" + String.join("\n", plan));
      String text = String.join("\n", plan);
      assertFalse(text.contains("Seq Scan on event_delivery"), "a full read of the deliveries:\n" + text);
      assertTrue(text.contains("ix_event_delivery_claim"), "the claim index is used:\n" + text);
    }
  }

  /** The claim for one listener and every webhook, its parameters written in. */
  private static String claimWithValues() throws ReflectiveOperationException {
    Method claim = Sql.class.getDeclaredMethod("deliveryClaim", boolean.class);
    claim.setAccessible(true);
    String sql = (String) claim.invoke(new Sql(SqlDialect.POSTGRESQL), true);
    return sql.replace(":now", "now()")
        .replace(":listeners", "ARRAY['ledger-sync']::text[]")
        .replace(":webhookPattern", "'webhook:%'")
        .replace(":limit", "100");
  }
}
