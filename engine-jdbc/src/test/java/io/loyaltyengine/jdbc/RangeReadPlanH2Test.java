package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.rewards.EarnedReward;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On H2, the statements that read a range for a few of its rows, beside the keyset lists of
 * {@link KeysetPagePlanH2Test}, read about the rows they return, not the range: a campaign with {@value #ROWS} approved
 * coupon rewards of which 10 wait for a code, {@value #ROWS} board removals and {@value #ROWS} participants' board
 * counters (catch-up reads of {@value #LIMIT}, the engine's page), and a tenant with {@value #ROWS} events waiting
 * for their positions beside two tenants with 10. Each statement the port sends is planned with {@code EXPLAIN ANALYZE} on its own connection
 * with the same values bound, just before it runs, and the rows H2 scanned ({@code scanCount}, summed over the plan)
 * are bounded; the plans are printed, the answers checked.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method; the class's tests share one database and run one
 * at a time.
 */
class RangeReadPlanH2Test {
  private static final int ROWS = 100_000;
  private static final int LIMIT = 10_000;
  /** The prunable events behind the held ones, and the prune step's limit. */
  private static final int PRUNED = 1_000;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String AT_T0 = "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00'";
  private static final int MONTH = 202601;
  /** The statements planned since the last {@link #drain}: statement, then plan. */
  /** The reads (a query, no lock), planned before they run. */
  private static final H2Plans PLANS = new H2Plans(sql -> sql.matches("(?s)\\(?(SELECT|WITH) .*")
      && !sql.contains("FOR UPDATE"));

  private static Path directory;
  private static HikariDataSource pool;
  private static Storage storage;
  private static LoyaltyEngine engine;
  private static long tenant;
  private static long campaign;
  private static List<Long> laterTenants;
  private static long keptTenant;

  @BeforeAll
  static void fill() throws Exception {
    directory = TestFiles.newDirectory("loyalty-h2-ranges-");
    pool = H2FileFixture.pool(directory);
    storage = JdbcStorage.builder().dataSource(TestProxies.connectionsThrough(pool, PLANS::planning))
        .build();
    engine = LoyaltyEngine.builder().storage(storage).events(EventSettings.builder().manualDispatch().build())
        .build();
    TenantScope shop = PostgresPlans.tenant(engine, "Shop");
    tenant = shop.tenantId();
    campaign = PostgresPlans.campaign(shop, "Tea").id();
    long other = PostgresPlans.campaign(shop, "Coffee").id();
    // Ids grow with time: these tenants' ids are above the shop's.
    laterTenants = List.of(PostgresPlans.tenant(engine, "Later").tenantId(),
        PostgresPlans.tenant(engine, "Latest").tenantId());
    keptTenant = PostgresPlans.tenant(engine, "Kept").tenantId();
    String t = Long.toString(tenant);
    String c = Long.toString(campaign);
    try (Connection connection = pool.getConnection(); Statement s = connection.createStatement()) {
      for (long cmp : new long[] {campaign, other}) {
        s.execute("INSERT INTO campaign_reward (tenant_id, campaign_reward_id, campaign_id, name, type, audience,"
            + " conversions_required, points, cash_amount_minor, created_at) VALUES (" + t + ", " + cmp + ", " + cmp
            + ", 'Voucher', 'COUPON', 'REFERRER', 1, 0, 0, CURRENT_TIMESTAMP)");
      }
      // Approved coupon rewards 1..ROWS got their codes (a host that never marks them fulfilled), the 10 after them
      // wait for one; the other campaign's 1,000 all wait.
      s.execute("INSERT INTO earned_reward (tenant_id, earned_reward_id, campaign_id, participant_id,"
          + " campaign_reward_id, cycle, type, status, unread, points, cash_amount_minor, action_id, earned_at,"
          + " coupon_code) SELECT " + t + ", g, " + c + ", g, " + c + ", 1, 'COUPON', 'APPROVED', TRUE, 0, 0, g,"
          + " CURRENT_TIMESTAMP, CASE WHEN g <= " + ROWS + " THEN 'C' || g END FROM SYSTEM_RANGE(1, " + (ROWS + 10)
          + ") r(g)");
      s.execute("INSERT INTO earned_reward (tenant_id, earned_reward_id, campaign_id, participant_id,"
          + " campaign_reward_id, cycle, type, status, unread, points, cash_amount_minor, action_id, earned_at)"
          + " SELECT " + t + ", " + (ROWS + 10) + " + g, " + other + ", g, " + other + ", 1, 'COUPON', 'APPROVED',"
          + " TRUE, 0, 0, g, CURRENT_TIMESTAMP FROM SYSTEM_RANGE(1, 1000) r(g)");
      // Participant g removed from the boards g seconds after T0.
      s.execute("INSERT INTO board_removal (tenant_id, campaign_id, participant_id, removed_at) SELECT " + t + ", "
          + c + ", g, " + AT_T0 + " + g * INTERVAL '1' SECOND FROM SYSTEM_RANGE(1, " + ROWS + ") r(g)");
      // Participant p's counters changed p seconds after T0: four action counters (rewards 0 and the campaign's, all
      // time and the month), two points counters.
      s.execute("INSERT INTO action_count (tenant_id, participant_id, campaign_reward_id, year_month, campaign_id,"
          + " count, updated_at) SELECT " + t + ", 1 + g / 4, CASE WHEN MOD(g, 2) = 0 THEN 0 ELSE " + c + " END,"
          + " CASE WHEN MOD(g / 2, 2) = 0 THEN 0 ELSE " + MONTH + " END, " + c + ", 1, " + AT_T0 + " + (1 + g / 4)"
          + " * INTERVAL '1' SECOND FROM SYSTEM_RANGE(0, " + (4 * ROWS - 1) + ") r(g)");
      s.execute("INSERT INTO points_count (tenant_id, participant_id, year_month, campaign_id, points, updated_at)"
          + " SELECT " + t + ", 1 + g / 2, CASE WHEN MOD(g, 2) = 0 THEN 0 ELSE " + MONTH + " END, " + c + ", 5, "
          + AT_T0 + " + (1 + g / 2) * INTERVAL '1' SECOND FROM SYSTEM_RANGE(0, " + (2 * ROWS - 1) + ") r(g)");
      // The shop's events 1..ROWS wait for their positions, as do 10 of each later tenant.
      s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, campaign_id, participant_id, sequence,"
          + " occurred_at, schema_version, position, payload) SELECT " + t + ", g, 'points.awarded', " + c + ", g, 1, "
          + AT_T0 + ", 1, 0, '{}' FROM SYSTEM_RANGE(1, " + ROWS + ") r(g)");
      for (long later : laterTenants) {
        s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
            + " schema_version, position, payload) SELECT " + later + ", g, 'points.awarded', g, 1, " + AT_T0
            + ", 1, 0, '{}' FROM SYSTEM_RANGE(1, 10) r(g)");
      }
      // The kept tenant's events 1..ROWS / 2 were positioned g seconds after T0 and are held by a parked delivery
      // each (an endpoint down for days); the PRUNED after them, positioned later, have none.
      String k = Long.toString(keptTenant);
      s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, participant_id, sequence, occurred_at,"
          + " schema_version, position, positioned_at, payload) SELECT " + k + ", g, 'points.awarded', g, 1, "
          + AT_T0 + ", 1, g, " + AT_T0 + " + g * INTERVAL '1' SECOND, '{}' FROM SYSTEM_RANGE(1, " + (ROWS / 2 + PRUNED)
          + ") r(g)");
      s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
          + " status, attempts, next_attempt_at, last_error, updated_at) SELECT " + k + ", g, 'webhook:1', g, 1, g,"
          + " 'PARKED', 8, " + AT_T0 + ", 'HTTP 503', " + AT_T0 + " FROM SYSTEM_RANGE(1, " + (ROWS / 2) + ") r(g)");
      s.execute("ANALYZE");
    }
  }

  @AfterAll
  static void close() {
    engine.close();
    pool.close();
    TestFiles.delete(directory);
  }

  /**
   * The rewards an upload of codes gives them to: H2 has no partial index, and read every approved coupon reward of
   * the campaign, those holding a code too, for the 10 that wait.
   */
  @Test
  void theRewardsWaitingForACouponAreReadWithoutThoseThatHaveOne() {
    PLANS.drain();
    List<Long> waiting = read(tx -> tx.earnedRewards().waitingForCoupon(tenant, campaign, 100)).stream()
        .map(EarnedReward::id).toList();
    assertEquals(LongStream.rangeClosed(ROWS + 1, ROWS + 10).boxed().toList(), waiting);
    assertRowsRead("earned_reward", "the waiting rewards", 10 + 2);
  }

  /**
   * A catch-up's removals, at most its limit: ordered by time and id, H2 read every removal since the time and sorted
   * them (all {@value #ROWS} for a limit of {@value #LIMIT}, which then makes the index rebuild anyway).
   */
  @Test
  void aCatchUpReadsAtMostItsLimitOfRemovals() {
    PLANS.drain();
    assertEquals(10, read(tx -> tx.leaderboards().removedSince(tenant, campaign, T0.plusSeconds(ROWS - 9), LIMIT))
        .size());
    assertRowsRead("board_removal", "the last 10 removals", 10 + 2);
    List<Long> removed = read(tx -> tx.leaderboards().removedSince(tenant, campaign, T0, LIMIT));
    assertEquals(LIMIT, removed.size());
    assertEquals(LIMIT, removed.stream().distinct().filter(id -> id >= 1 && id <= ROWS).count());
    assertRowsRead("board_removal", "a limit of removals", LIMIT + 2);
  }

  /**
   * A catch-up's changed counters, a page of {@value #LIMIT} after another: H2 read both tables' counters changed
   * since the page's time and sorted them, every one of the {@value #ROWS} participants' for each page. Each half now
   * reads its index in order up to the limit: the points counters the limit, the action counters twice that, those of
   * the campaign's own reward lying beside reward 0's.
   */
  @Test
  void aCatchUpPageOfChangedCountersReadsAboutItsLimit() {
    for (Instant from : List.of(T0, T0.plusSeconds(ROWS / 2))) {
      PLANS.drain();
      List<ScoreChange> page = read(tx -> tx.leaderboards().changedSince(tenant, campaign, List.of(0, MONTH), from,
          LIMIT));
      assertEquals(LIMIT, page.size());
      // Each participant's four counters share its second: the page is the first LIMIT / 4 participants since then.
      long first = from.getEpochSecond() - T0.getEpochSecond() + (from.equals(T0) ? 1 : 0);
      assertEquals(first, page.get(0).participantId());
      assertEquals(first + LIMIT / 4 - 1, page.get(LIMIT - 1).participantId());
      assertEquals(List.copyOf(page.stream().sorted(java.util.Comparator.comparing(ScoreChange::changedAt)
          .thenComparingLong(ScoreChange::participantId).thenComparing(ScoreChange::metric)
          .thenComparingInt(ScoreChange::month)).toList()), page, "oldest first");
      assertEquals(LIMIT / 2, page.stream().filter(x -> x.metric() == BoardMetric.POINTS).count());
      assertRowsRead("action_count", "a page since " + from, 3 * LIMIT + 4);
    }
  }

  /**
   * The tenants with events waiting for positions, after a cursor: read DISTINCT, H2 read every waiting event of every
   * tenant after it ({@value #ROWS} of the shop's for a page of 3 tenants), and after the shop's id it walked past the
   * shop's events (a {@code >} bound). Now an index entry per tenant, and the recursion's own rows (at most three per
   * tenant in all).
   */
  @Test
  void theTenantsWithEventsWaitingForPositionsAreReadOneEntryEach() {
    PLANS.drain();
    List<Long> all = new ArrayList<>(List.of(tenant));
    all.addAll(laterTenants);
    assertEquals(all, read(tx -> tx.events().tenantsWithUnpositionedEvents(0, 100)));
    assertRowsRead("event_outbox", "from the first tenant", 3 * all.size() + 2);
    assertEquals(laterTenants, read(tx -> tx.events().tenantsWithUnpositionedEvents(tenant, 100)));
    assertRowsRead("event_outbox", "after the shop", 3 * laterTenants.size() + 2);
    assertEquals(List.of(tenant), read(tx -> tx.events().tenantsWithUnpositionedEvents(0, 1)));
    assertRowsRead("event_outbox", "a page of one", 3 + 2);
    assertEquals(List.of(), read(tx -> tx.events().tenantsWithUnpositionedEvents(0, 0)));
    assertEquals(List.of(), read(tx -> tx.events().tenantsWithUnpositionedEvents(laterTenants.get(1), 100)));
    assertEquals(List.of(), read(tx -> tx.events().tenantsWithUnpositionedEvents(Long.MAX_VALUE, 100)));
  }

  /**
   * Pruning's walk past events held by their undelivered deliveries: each transaction read every held event before
   * the first prunable ones, and every event not yet positioned before those (151,022 rows for a step of
   * {@value #PRUNED} behind 50,000 held and {@value #ROWS} unpositioned). A step now reads the events it examines,
   * each with one probe of its deliveries, from the first event or from the last one the step before examined.
   */
  @Test
  void aPruneStepReadsTheEventsItExamines() {
    Instant cutoff = T0.plusSeconds(ROWS);
    PLANS.drain();
    PruneStep first = storage.inTransaction(tx -> tx.events().prune(cutoff, null, PRUNED));
    assertEquals(new PruneStep(PRUNED, 0, new PruneCursor(T0.plusSeconds(PRUNED), keptTenant, PRUNED)), first,
        "the first held events");
    assertRowsRead("event_outbox", "a first step", 2 * PRUNED + 4);
    PruneCursor lastHeld = new PruneCursor(T0.plusSeconds(ROWS / 2), keptTenant, ROWS / 2);
    PruneStep free = storage.inTransaction(tx -> tx.events().prune(cutoff, lastHeld, PRUNED));
    assertEquals(new PruneStep(PRUNED, PRUNED, new PruneCursor(T0.plusSeconds(ROWS / 2 + PRUNED), keptTenant,
        ROWS / 2 + PRUNED)), free, "the free events after the held ones, deleted");
    assertRowsRead("event_outbox", "a step after the held events", 2 * PRUNED + 4);
  }

  private static void assertRowsRead(String table, String which, int atMost) {
    List<String[]> plans = PLANS.drain().stream()
        .filter(p -> p[0].matches("(?s)\\(?(SELECT|WITH) .*\\b" + table + "\\b.*")).toList();
    assertEquals(1, plans.size(), "one statement reading " + table + " for " + which);
    String plan = plans.get(0)[1];
    System.out.println(which + ":\n" + plan);
    long scanned = H2Plans.rowsRead(plan);
    assertTrue(scanned <= atMost, which + " read " + scanned + " rows, not at most " + atMost + ":\n" + plan);
  }

  private static <T> T read(TransactionWork<T> work) {
    return storage.inReadTransaction(work);
  }
}
