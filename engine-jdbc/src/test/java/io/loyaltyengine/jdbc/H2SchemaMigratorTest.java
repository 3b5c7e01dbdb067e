package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.api.Trigger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The schema migrator on an H2 file. */
class H2SchemaMigratorTest extends SchemaMigratorTestBase {
  private final Path directory = TestFiles.newDirectory("loyalty-migrate-");

  @Override
  SqlDialect dialect() {
    return SqlDialect.H2;
  }

  @Override
  DataSource dataSource() {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0");
    return dataSource;
  }

  @Override
  void closeDatabase() {
    TestFiles.delete(directory);
  }

  @Override
  String extraVersion() {
    return "CREATE TABLE IF NOT EXISTS loyalty_test_extra (\n  tenant_id BIGINT NOT NULL,\n  note VARCHAR,\n"
        + "  CONSTRAINT pk_loyalty_test_extra PRIMARY KEY (tenant_id)\n);\n";
  }

  @Test
  void aMigrationThatDiedAfterItsScriptIsCompletedByTheNextRun() {
    // H2 commits DDL at once: a crash after the script but before its history row leaves the tables behind.
    execute(engineScript("V1__foundation.sql"));
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void theEventsVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    execute(engineScript("V1__foundation.sql"));
    execute(engineScript("V2__events.sql"));
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM event_delivery"));
  }

  @Test
  void theRewardsVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    execute(engineScript("V1__foundation.sql"));
    execute(engineScript("V2__events.sql"));
    execute(engineScript("V3__rewards.sql"));
    execute(engineScript("V3__rewards.sql"));
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM coupon_code"));
    assertEquals(0, query("SELECT COUNT(*) FROM action_count"));
  }

  @Test
  void theReferralsVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    execute(engineScript("V1__foundation.sql"));
    execute(engineScript("V2__events.sql"));
    execute(engineScript("V3__rewards.sql"));
    execute(engineScript("V4__referrals.sql"));
    execute(engineScript("V4__referrals.sql"));
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM referral_stats"));
    assertEquals(0, query("SELECT COUNT(*) FROM participant WHERE risk_level IS NOT NULL"));
  }

  @Test
  void theLeaderboardsVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    execute(engineScript("V1__foundation.sql"));
    execute(engineScript("V2__events.sql"));
    execute(engineScript("V3__rewards.sql"));
    execute(engineScript("V4__referrals.sql"));
    insertVersionOneRows();
    execute(engineScript("V5__leaderboards.sql"));
    execute(engineScript("V5__leaderboards.sql"));
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(1, query("SELECT COUNT(*) FROM points_count"), "the backfill is not repeated");
    assertEquals(7, query("SELECT points FROM points_count WHERE tenant_id = 1 AND participant_id = 4"));
    assertEquals(0, query("SELECT COUNT(*) FROM month_winner"));
  }

  @Test
  void theSignupGatesVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    for (String script : List.of("V1__foundation.sql", "V2__events.sql", "V3__rewards.sql", "V4__referrals.sql",
        "V5__leaderboards.sql", "V6__signup_gates.sql", "V6__signup_gates.sql")) {
      execute(engineScript(script));
    }
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM referral_signup_gate"));
  }

  @Test
  void theCappedDeductionsVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    for (String script : List.of("V1__foundation.sql", "V2__events.sql", "V3__rewards.sql", "V4__referrals.sql",
        "V5__leaderboards.sql", "V6__signup_gates.sql", "V7__capped_deductions.sql", "V7__capped_deductions.sql")) {
      execute(engineScript(script));
    }
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM ledger_entry WHERE requested_amount IS NOT NULL"));
  }

  @Test
  void theNodeLeasesVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    for (String script : List.of("V1__foundation.sql", "V2__events.sql", "V3__rewards.sql", "V4__referrals.sql",
        "V5__leaderboards.sql", "V6__signup_gates.sql", "V7__capped_deductions.sql",
        "V8__node_leases.sql")) {
      execute(engineScript(script));
    }
    execute("UPDATE node_lease SET holder = 'engine-a', expires_at = TIMESTAMP WITH TIME ZONE"
        + " '2025-01-01 00:00:00+00' WHERE node = 3");
    execute("DELETE FROM node_lease WHERE node >= 1000");
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(1024, query("SELECT COUNT(*) FROM node_lease"), "the missing numbers inserted, none twice");
    assertEquals(1, query("SELECT COUNT(*) FROM node_lease WHERE holder = 'engine-a'"), "a lease is kept");
  }

  /**
   * The version widening the conversions' status check, interrupted between its two statements (H2 commits each DDL
   * statement): the next run completes it. Its script dropped the check without IF EXISTS, so the next run failed on
   * the check the interrupted one had dropped, and no later start could migrate the database.
   */
  @Test
  void theConversionRejectedVersionRunsAgainOverWhatAnInterruptedRunLeftBehind() {
    int before = migrateToTheVersionBefore("__conversion_rejected.sql");
    insertVersionOneRows();
    execute("INSERT INTO referral_conversion (tenant_id, conversion_id, campaign_id, referrer_id, order_id,"
        + " order_value, points, status, points_reversed, created_at, reversed_at) VALUES (1, 18, 3, 4, 'order-1',"
        + " 10, 12, 'CONVERTED', 0, TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00', NULL)");
    String script = engineScript(ENGINE_SCRIPTS.get(before));
    execute(script.lines().filter(line -> line.contains("DROP CONSTRAINT")).findFirst().orElseThrow());

    assertEquals(versionsFrom(before + 1), versions(engineMigrator().migrate()));
    execute("INSERT INTO referral_conversion (tenant_id, conversion_id, campaign_id, referrer_id, order_id,"
        + " order_value, points, status, points_reversed, created_at, reversed_at) VALUES (1, 19, 3, 4, 'order-2',"
        + " 10, 0, 'REJECTED', 0, TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00', NULL)");
    IllegalStateException unknown = assertThrows(IllegalStateException.class,
        () -> execute("INSERT INTO referral_conversion (tenant_id, conversion_id, campaign_id, referrer_id,"
            + " order_id, order_value, points, status, points_reversed, created_at, reversed_at) VALUES (1, 20, 3,"
            + " 4, 'order-3', 10, 0, 'LOST', 0, TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00', NULL)"));
    assertTrue(unknown.getCause().getMessage().contains("CK_REFERRAL_CONVERSION_STATUS"),
        "the check is back: " + unknown.getCause().getMessage());
    assertEquals(2, query("SELECT COUNT(*) FROM referral_conversion"));
  }

  @Test
  void everyVersionRunsAgainOverASchemaWhoseHistoryWasLost() {
    // The later versions have no test of their own: each runs again here over what it made itself.
    for (String script : ENGINE_SCRIPTS) {
      execute(engineScript(script));
    }
    assertEquals(versionsFrom(1), versions(new SchemaMigrator(dataSource(), sql()).migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM landing_page"));
    assertEquals(0, query("SELECT COUNT(*) FROM testimonial"));
    assertEquals(0, query("SELECT COUNT(*) FROM customer_mapping"));
    assertEquals(0, query("SELECT COUNT(*) FROM api_key"));
    assertEquals(0, query("SELECT COUNT(*) FROM quest_completion"));
    assertEquals(0, query("SELECT COUNT(*) FROM feedback_vote"));
    assertEquals(0, query("SELECT COUNT(*) FROM rate_bucket"));
  }

  /**
   * The version folding the local part's final sigma reads the participant table a few times whatever its size: it
   * read it once more for every participant with a final sigma (the collision check, a correlated subquery that H2
   * ran as a scan of the participant's whole campaign), so a campaign of 100,000 Greek participants took hours to
   * migrate at start-up. Counted by a SELECT trigger, which H2 fires at every query of the table.
   */
  @Test
  void theFinalSigmaVersionReadsTheParticipantTableAFewTimesNotOncePerGreekParticipant() {
    int fold = migrateToTheVersionBefore("__email_final_sigma.sql");
    insertVersionOneRows();
    int greek = 60;
    for (int i = 0; i < greek; i++) {
      // Each 10th also enrolled in the folded form: that one keeps it, the other its own.
      String email = "νίκος" + i + "@example.gr";
      insertParticipant(10 + i, email);
      if (i % 10 == 0) {
        insertParticipant(1_000 + i, email.replace('ς', 'σ'));
      }
    }
    execute("CREATE TRIGGER count_participant_reads BEFORE SELECT ON participant CALL \""
        + SelectCounter.class.getName() + "\"");
    SelectCounter.READS.set(0);
    assertEquals(versionsFrom(fold + 1), versions(engineMigrator().migrate()));
    int reads = SelectCounter.READS.get();
    execute("DROP TRIGGER count_participant_reads");

    assertEquals(greek / 10, query("SELECT COUNT(*) FROM participant WHERE email_sanitized LIKE '%ς%'"),
        "only the participants whose folded form another one holds keep the final sigma");
    assertTrue(reads <= 5, "the participant table was read " + reads + " times for " + greek
        + " participants with a final sigma");
  }

  private void insertParticipant(long id, String email) {
    execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, metadata,"
        + " search_text, points_balance, lifetime_points, created_at, updated_at) VALUES (1, " + id + ", 3, '"
        + email + "', '" + email + "', '{}', '" + email + "', 0, 0, TIMESTAMP WITH TIME ZONE"
        + " '2024-01-01 00:00:00+00', TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
  }

  /** Counts the queries of the table it is set on. Thread-safe: an atomic counter. */
  public static final class SelectCounter implements Trigger {
    static final AtomicInteger READS = new AtomicInteger();

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) {
      READS.incrementAndGet();
    }
  }
}
