package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.PostgresPlans.assertPageIsARange;
import static io.loyaltyengine.jdbc.PostgresPlans.plan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.jdbc.internal.Sql;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The plans of a webhook endpoint's delivery log ({@code Webhooks.deliveries}) on PostgreSQL stay ranges of
 * ix_event_delivery_subscriber (V31) read up to the page, on a large table: the endpoint's 50,000 deliveries (1,000
 * pending, 1,000 parked, the others delivered), the odd event ids among the tenant's 100,000, beside another
 * endpoint's 50,000 and another tenant's deliveries to endpoints of the same ids; statistics gathered. In one
 * status, a first and a middle page each read the rows of their page; in every status, the three statuses' ranges
 * merged as they are read (Merge Append), about a page in all, never sorted. Through V26's partial index of the
 * parked ones alone, the pending and delivered pages read all of the endpoint's deliveries in that status, or the
 * tenant's, and sorted them. The parked list ({@code Webhooks.parked}, oldest first) reads the same index forwards.
 * The plans are printed; the whole log is then walked a page at a time through the port, none twice, none left out.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DeliveryLogPlanPostgresTest {
  private static final int PAGE = 21;
  private static final Pattern ROWS = Pattern.compile("actual rows=(\\d+)");

  @Test
  void aPageOfAnEndpointsDeliveriesIsReadFromRangesOfAnIndexNewestFirst() throws Exception {
    try (PostgresFixture fixture = new PostgresFixture()) {
      Storage storage = fixture.openStorage();
      try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
        s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
            + " schema_version, position, payload, positioned_at) SELECT t, g, 'points.awarded', g, 1, now(), 1, g,"
            + " '{}', now() FROM generate_series(1, 2) t, generate_series(1, 100000) g WHERE t = 1 OR g <= 10000");
        // Tenant 1: endpoint 2 the odd event ids, endpoint 1 the even ones; of each endpoint's, every 50th pending,
        // the next parked, the others delivered. Tenant 2: endpoints of the same ids, the first 10,000 events.
        s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
            + " status, attempts, next_attempt_at, updated_at) SELECT t, g, 'webhook:' || (1 + g % 2), g, 1, g,"
            + " CASE (g / 2) % 50 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'PARKED' ELSE 'DELIVERED' END, 0, now(), now()"
            + " FROM generate_series(1, 2) t, generate_series(1, 100000) g WHERE t = 1 OR g <= 10000");
        s.execute("ANALYZE");

        String all = plan(s, statement(null, false));
        assertMerged(all);
        String allMiddle = plan(s, statement(null, true));
        assertMerged(allMiddle);
        for (DeliveryStatus status : DeliveryStatus.values()) {
          for (boolean middle : new boolean[] {false, true}) {
            assertPageIsARange(plan(s, statement(status, middle)),
                "Index Scan Backward using ix_event_delivery_subscriber on event_delivery", PAGE);
          }
        }

        String parked = plan(s, (PostgresPlans.sql("DELIVERY_PARKED") + PostgresPlans.sql("DELIVERY_AND_TENANT")
            + PostgresPlans.sql("DELIVERY_AND_AFTER_EVENT") + PostgresPlans.sql("DELIVERY_PARKED_OF_TENANT_ORDER"))
            .replace(":subscriber", "'webhook:2'").replace(":tenantId", "1").replace(":afterEventId", "50000")
            .replace(":limit", Integer.toString(PAGE)));
        assertPageIsARange(parked, "Index Scan using ix_event_delivery_subscriber on event_delivery", PAGE);
      }

      // The whole log a page at a time, newest first: each of the endpoint's deliveries once.
      List<Long> walked = new ArrayList<>();
      Long before = null;
      do {
        Long cursor = before;
        List<ClaimedDelivery> page = storage.inReadTransaction(tx -> tx.deliveries().listForSubscriber(1,
            "webhook:2", null, cursor, 100));
        page.forEach(d -> {
          assertEquals("webhook:2", d.delivery().subscriber());
          assertEquals(1, d.event().tenantId());
          walked.add(d.event().eventId());
        });
        before = page.size() == 100 ? walked.get(walked.size() - 1) : null;
      } while (before != null);
      assertEquals(50_000, walked.size());
      assertEquals(50_000, new HashSet<>(walked).size(), "none twice");
      assertEquals(99_999L, walked.get(0));
      assertEquals(1L, walked.get(49_999));
      storage.close();
    }
  }

  /**
   * Asserts that {@code plan} reads the three statuses' ranges of the index backwards and merges them as it reads,
   * without a sort, reading about a page: each range stops one row past what the merge took from it.
   */
  private static void assertMerged(String plan) {
    // A Sort node, not the Merge Append's "Sort Key".
    assertFalse(plan.contains("Seq Scan") || plan.lines().map(l -> l.strip().replaceFirst("^->\\s+", ""))
        .anyMatch(l -> l.startsWith("Sort ") && !l.startsWith("Sort Key") || l.startsWith("Incremental Sort")),
        "ranges in order:\n" + plan);
    assertTrue(plan.contains("Merge Append"), "merged as read:\n" + plan);
    List<String> scans = plan.lines().filter(l -> l.contains(" on event_delivery")).toList();
    assertEquals(3, scans.size(), "a range for each status:\n" + plan);
    long read = 0;
    for (String scan : scans) {
      assertTrue(scan.contains("Index Scan Backward using ix_event_delivery_subscriber"), "the index:\n" + plan);
      Matcher m = ROWS.matcher(scan);
      assertTrue(m.find(), scan);
      read += Long.parseLong(m.group(1));
    }
    assertTrue(read <= PAGE + 3, read + " rows read for a page of " + PAGE + ":\n" + plan);
  }

  /** The log's statement as the port sends it for endpoint 2 of tenant 1, a first or a middle page. */
  private static String statement(DeliveryStatus status, boolean middle) throws ReflectiveOperationException {
    Method statement = Sql.class.getDeclaredMethod("deliveriesOfSubscriber", DeliveryStatus.class, boolean.class);
    statement.setAccessible(true);
    return ((String) statement.invoke(new Sql(SqlDialect.POSTGRESQL), status, middle))
        .replace(":tenantId", "1")
        .replace(":subscriber", "'webhook:2'")
        .replace(":beforeEventId", "50000")
        .replace(":limit", Integer.toString(PAGE));
  }
}
