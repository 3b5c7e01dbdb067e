package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.PostgresPlans.plan;
import static io.loyaltyengine.jdbc.PostgresPlans.sql;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL plans of the statements {@link RangeReadPlanH2Test} and the parked case of
 * {@link KeysetPagePlanH2Test} changed for H2: a webhook endpoint's parked deliveries are a range of
 * ix_event_delivery_subscriber (V31; V26's partial ix_event_delivery_parked before) without a sort, 100,000 of them
 * parked; a catch-up's changed counters read each
 * counters' index up to the limit, 100,000 participants' changed; the tenants with events waiting for positions read
 * an index entry a tenant, one of them with 100,000 waiting; a step of pruning's walk reads its events, from its
 * cursor among 100,000 positioned at one time. The plans are printed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class RangeReadPlanPostgresTest {
  @Test
  void theChangedReadsArePlannedAsRangesOfTheirIndexes() throws Exception {
    try (PostgresFixture fixture = new PostgresFixture()) {
      fixture.openStorage().close();
      try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
        s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
            + " schema_version, position, payload, positioned_at) SELECT 1, g, 'points.awarded', g, 1, now(), 1,"
            + " CASE WHEN g > 100000 THEN 0 ELSE g END, '{}', now() FROM generate_series(1, 200000) g");
        s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
            + " schema_version, position, payload) SELECT t, g, 'points.awarded', g, 1, now(), 1, 0, '{}'"
            + " FROM generate_series(2, 3) t, generate_series(1, 10) g");
        s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
            + " status, attempts, next_attempt_at, updated_at) SELECT 1, g, 'webhook:' || (g % 2), g, 1, g, CASE"
            + " WHEN g % 4 < 2 THEN 'PARKED' ELSE 'DELIVERED' END, 10, now(), now()"
            + " FROM generate_series(1, 100000) g");
        s.execute("INSERT INTO action_count (tenant_id, participant_id, campaign_reward_id, year_month, campaign_id,"
            + " count, updated_at) SELECT 1, 1 + g / 4, g % 2, CASE WHEN (g / 2) % 2 = 0 THEN 0 ELSE 202601 END, 7, 1,"
            + " TIMESTAMPTZ '2026-01-01 00:00:00+00' + (1 + g / 4) * INTERVAL '1 second'"
            + " FROM generate_series(0, 399999) g");
        s.execute("INSERT INTO points_count (tenant_id, participant_id, year_month, campaign_id, points, updated_at)"
            + " SELECT 1, 1 + g / 2, CASE WHEN g % 2 = 0 THEN 0 ELSE 202601 END, 7, 5,"
            + " TIMESTAMPTZ '2026-01-01 00:00:00+00' + (1 + g / 2) * INTERVAL '1 second'"
            + " FROM generate_series(0, 199999) g");
        s.execute("ANALYZE");

        String parked = plan(s, (sql("DELIVERY_PARKED") + sql("DELIVERY_AND_TENANT") + sql("DELIVERY_AND_AFTER_EVENT")
            + sql("DELIVERY_PARKED_OF_TENANT_ORDER")).replace(":subscriber", "'webhook:1'").replace(":tenantId", "1")
            .replace(":afterEventId", "50000").replace(":limit", "21"));
        assertTrue(parked.contains("ix_event_delivery_subscriber"), "the subscriber's index:\n" + parked);
        assertFalse(parked.contains("Sort"), "a range in its order:\n" + parked);

        String changed = plan(s, sql("BOARD_CHANGED_SINCE").replace(":tenantId", "1").replace(":campaignId", "7")
            .replace(":since", "TIMESTAMPTZ '2026-01-01 00:00:00+00'").replace(":months", "ARRAY[0, 202601]")
            .replace(":limit", "10000"));
        assertFalse(changed.contains("Seq Scan"), "the counters' indexes:\n" + changed);
        assertTrue(changed.contains("ix_action_count_changed") && changed.contains("ix_points_count_changed"),
            "each half through its index:\n" + changed);

        String tenants = plan(s, sql("EVENT_TENANTS_UNPOSITIONED").replace(":fromTenantId", "1")
            .replace(":limit", "100"));
        assertFalse(tenants.contains("Seq Scan on event_outbox"), "an index:\n" + tenants);
        // Through the partial index or ix_event_outbox_feed (tenant, position), as the statistics have it: one entry
        // a step either way.
        assertTrue(tenants.lines().filter(l -> l.contains(" on event_outbox"))
            .allMatch(l -> l.contains("(actual rows=1 ")), "one entry a step:\n" + tenants);

        // Every event positioned at one time: the cursor's tenant and id make the range, half-way through them.
        String prune = plan(s, sql("EVENT_PRUNE_WALK").replace(":before", "now() + INTERVAL '1 day'")
            .replace(":afterAt", "(SELECT positioned_at FROM event_outbox WHERE tenant_id = 1 AND event_id = 50000)")
            .replace(":afterTenantId", "1").replace(":afterEventId", "50000").replace(":limit", "1000"));
        assertTrue(prune.contains("Index Cond") && prune.contains("ix_event_outbox_pruning"),
            "a range of the walk's index:\n" + prune);
        assertFalse(prune.contains("Sort"), "in its order:\n" + prune);
        assertTrue(prune.contains("ix_event_outbox_pruning on event_outbox e (actual rows=1000 "),
            "the step's events only:\n" + prune);
        assertFalse(prune.contains("Seq Scan"), "each event's deliveries by its key:\n" + prune);
      }
    }
  }
}
