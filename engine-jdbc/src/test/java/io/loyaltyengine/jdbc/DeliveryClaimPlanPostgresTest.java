package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.PostgresPlans.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.jdbc.internal.Sql;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery claim's plan on PostgreSQL stays index-driven on a large delivery table: 300,000 delivered or parked
 * rows, the usual bulk of the table until pruning, and 3,000 pending ones of 30 subscribers in 3 tenants, statistics
 * gathered.
 * The claim must reach its pending rows through an index rather than read every delivery, whatever the ranking of
 * subscribers' turns adds on top. The plan is printed, so that a change of it can be read in the test output. And
 * on a table never analyzed, whose statistics know nothing of its backlog, the turns are ranked once, not once per
 * pending row (as a subquery of turns joined back to the rows to lock was: 6 s for 2,000 pending deliveries). The
 * claim skips as many subscribers as it takes ({@link DeliveryPort#MAX_SKIPPED_SUBSCRIBERS}, an engine instance's
 * paused endpoints), a filter that leaves the plan as it was. The dispatcher's parking of overdue webhook deliveries
 * picks its batch through the same index, reads each one's evidence (a delivery of its endpoint parked since it was
 * due, none delivered since) through ix_event_delivery_outcome, and updates the rows by key.
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
      // 270,000 delivered and 30,000 parked an hour ago, the last 30 of those parked now, one per tenant and
      // subscriber; 3,000 pending.
      s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
          + " status, attempts, next_attempt_at, updated_at) SELECT 1 + g % 3, g, 'webhook:' || (g % 10),"
          + " g % 5000, g, g, CASE WHEN g <= 270000 THEN 'DELIVERED' WHEN g <= 300000 THEN 'PARKED'"
          + " ELSE 'PENDING' END, 0, now() - interval '1 minute', CASE WHEN g <= 299970 THEN now() - interval"
          + " '1 hour' ELSE now() END FROM generate_series(1, 303000) g");
      s.execute("ANALYZE event_outbox");
      s.execute("ANALYZE event_delivery");

      String text = plan(s, claimWithValues());
      assertFalse(text.contains("Seq Scan on event_delivery"), "a full read of the deliveries:\n" + text);
      assertTrue(text.contains("ix_event_delivery_claim"), "the claim index is used:\n" + text);
      String lock = plan(s, lockStatement().replace(":tenantIds", "ARRAY[2, 3]")
          .replace(":eventIds", "ARRAY[300001, 300002]").replace(":subscribers", "ARRAY['webhook:1', 'webhook:2']")
          .replace(":keys", "ARRAY['2:300001:webhook:1', '3:300002:webhook:2']")
          .replace(":now", "now()").replace(":limit", "100"));
      assertFalse(lock.contains("Seq Scan"), "the lock reads its candidates by key:\n" + lock);
      assertTrue(lock.contains("rows=2 "), "both candidates locked:\n" + lock);

      // Parking the overdue webhook deliveries (all 3,000 pending rows are due a minute ago, each endpoint's delivery
      // parked since and none delivered since) in a batch of 100.
      String park = plan(s, parkOverdueWithValues());
      assertFalse(park.contains("Seq Scan on event_delivery"), "a full read of the deliveries:\n" + park);
      assertTrue(park.contains("ix_event_delivery_claim"), "the claim index picks the rows:\n" + park);
      assertEquals(2, park.split("ix_event_delivery_outcome on event_delivery o", -1).length - 1,
          "both parts of the evidence are read by their index:\n" + park);
      // By the primary key, or by ix_event_delivery_subscriber (V30), whose columns the update's conditions fix
      // too (tenant, subscriber, PENDING, event id): a row a lookup either way.
      assertTrue(park.matches("(?s).*Index Scan using (pk_event_delivery|ix_event_delivery_subscriber) on"
          + " event_delivery \\(actual rows=1 loops=100\\).*"), "the update finds them by key:\n" + park);
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM event_delivery WHERE last_error = 'late'")) {
        assertTrue(rs.next());
        assertEquals(100, rs.getLong(1), "one batch parked");
      }
    }
  }

  /** PostgreSQL's statement parking overdue webhook deliveries, its parameters written in. */
  private static String parkOverdueWithValues() throws ReflectiveOperationException {
    Method park = Sql.class.getDeclaredMethod("deliveryParkOverdue");
    park.setAccessible(true);
    return ((String) park.invoke(new Sql(SqlDialect.POSTGRESQL)))
        .replace(":lastError", "'late'")
        .replace(":now", "now()")
        .replace(":dueBefore", "now()")
        .replace(":webhookPattern", "'webhook:%'")
        .replace(":limit", "100");
  }

  @Test
  void onATableNeverAnalyzedTheTurnsAreRankedOnceAndTheLockReadsOneTable() throws Exception {
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
          + " schema_version, position, payload, positioned_at) SELECT 1, g, 'points.awarded', 1000000 + g / 2,"
          + " 1 + g % 2, now(), 1, g, '{}', now() FROM generate_series(1, 2000) g");
      s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
          + " status, attempts, next_attempt_at, updated_at) SELECT tenant_id, event_id, 'ledger-sync',"
          + " participant_id, sequence, position, 'PENDING', 0, now() - interval '1 minute', now() FROM event_outbox");

      String candidates = plan(s, claimWithValues());
      assertTrue(candidates.matches("(?s).*WindowAgg \\(actual rows=\\d+(\\.\\d+)? loops=1\\).*"),
          "the turns ranked once:\n" + candidates);
      String lock = plan(s, lockStatement()
          .replace(":tenantIds", "ARRAY[1]").replace(":eventIds", "ARRAY[3, 5]")
          .replace(":subscribers", "ARRAY['ledger-sync']")
          .replace(":keys", "ARRAY['1:3:ledger-sync', '1:5:ledger-sync']")
          .replace(":now", "now()").replace(":limit", "100"));
      assertFalse(lock.contains("Join") || lock.contains("Nested Loop"), "the lock reads one table:\n" + lock);
    }
  }

  /** PostgreSQL's statement locking a claim's candidates. */
  private static String lockStatement() throws ReflectiveOperationException {
    Field lock = Sql.class.getDeclaredField("DELIVERY_LOCK_CANDIDATES");
    lock.setAccessible(true);
    return (String) lock.get(null);
  }

  /**
   * The claim for one listener and every webhook, skipping as many subscribers as a claim takes (two of them with
   * pending rows here, the rest none), its parameters written in.
   */
  private static String claimWithValues() throws ReflectiveOperationException {
    Method claim = Sql.class.getDeclaredMethod("deliveryClaim", boolean.class);
    claim.setAccessible(true);
    String sql = (String) claim.invoke(new Sql(SqlDialect.POSTGRESQL), true);
    StringJoiner skipped = new StringJoiner(", ", "ARRAY[", "]::text[]");
    skipped.add("'webhook:3'").add("'webhook:7'");
    for (int i = 2; i < DeliveryPort.MAX_SKIPPED_SUBSCRIBERS; i++) {
      skipped.add("'webhook:" + (1_000_000 + i) + "'");
    }
    return sql.replace(":now", "now()")
        .replace(":listeners", "ARRAY['ledger-sync']::text[]")
        .replace(":skipped", skipped.toString())
        .replace(":webhookPattern", "'webhook:%'")
        .replace(":limit", "100");
  }
}
