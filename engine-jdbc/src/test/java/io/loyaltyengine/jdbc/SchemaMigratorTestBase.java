package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.CouponPort;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.jdbc.internal.Migration;
import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import io.loyaltyengine.jdbc.internal.Sql;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schema migrator on each database: a fresh database is migrated, a migrated one left alone, an older one
 * upgraded, a newer or altered one refused, VALIDATE changes nothing, and instances migrating at once apply each
 * version exactly once.
 *
 * <p>Older and newer schemas are simulated with test-only script sets in a temporary directory, read through class
 * loaders of their own: the engine's versions (byte for byte) up to some version, plus a test-only next version.
 * Databases of the engine's first to fourth and sixth versions, with data in them, are upgraded to the current one.
 */
abstract class SchemaMigratorTestBase {
  private final Path scripts = TestFiles.newDirectory("loyalty-scripts-");
  private ClassLoader withExtraVersion;

  /** The dialect under test. */
  abstract SqlDialect dialect();

  /** A DataSource on a fresh, empty database; a new pool on the same database each call after the first. */
  abstract DataSource dataSource();

  /** Drops the database and closes what {@link #dataSource()} opened. */
  abstract void closeDatabase();

  /** The engine's scripts, in order, as its {@code migrations.txt} lists them (the same names in both dialects). */
  static final List<String> ENGINE_SCRIPTS = engineScripts();
  /** The engine's latest schema version. */
  static final int LATEST = ENGINE_SCRIPTS.size();
  /** The test-only version, the one after the engine's latest. */
  static final int EXTRA = LATEST + 1;

  /** The engine's versions from {@code first} to its latest. */
  static List<Integer> versionsFrom(int first) {
    return IntStream.rangeClosed(first, LATEST).boxed().toList();
  }

  private static List<String> engineScripts() {
    String index = SchemaMigrator.DEFAULT_LOCATION + "/" + SqlDialect.H2.scriptDirectory() + "/migrations.txt";
    try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(index)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The test-only version that follows the engine's ({@link #EXTRA}), creating table {@code loyalty_test_extra}. */
  abstract String extraVersion();

  @BeforeEach
  void writeTestScripts() {
    withExtraVersion = scriptSet("schema", extraVersion(), false);
  }

  @AfterEach
  void cleanUp() {
    closeDatabase();
    TestFiles.delete(scripts);
  }

  Sql sql() {
    return new Sql(dialect());
  }

  SchemaMigrator engineMigrator() {
    return new SchemaMigrator(dataSource(), sql());
  }

  SchemaMigrator extraVersionMigrator() {
    return new SchemaMigrator(dataSource(), sql(), "schema", withExtraVersion);
  }

  /**
   * A class loader with {@code <root>/<dialect>/}: the engine's V1 (or a changed copy), its other versions, and
   * {@code extra} as version {@link #EXTRA}.
   */
  ClassLoader scriptSet(String root, String extra, boolean changeV1) {
    List<String> namesAndTexts = new ArrayList<>();
    for (String name : ENGINE_SCRIPTS) {
      namesAndTexts.add(name);
      namesAndTexts.add(engineScript(name) + (changeV1 && name.startsWith("V1__") ? "\n-- edited by hand\n" : ""));
    }
    namesAndTexts.add("V" + EXTRA + "__extra_table.sql");
    namesAndTexts.add(extra);
    return scriptSet(root, namesAndTexts);
  }

  /** A class loader with {@code <root>/<dialect>/} holding the scripts given as (name, text) pairs, in order. */
  ClassLoader scriptSet(String root, List<String> namesAndTexts) {
    try {
      Path directory = Files.createDirectories(scripts.resolve(root).resolve(dialect().scriptDirectory()));
      StringBuilder index = new StringBuilder();
      for (int i = 0; i < namesAndTexts.size(); i += 2) {
        Files.writeString(directory.resolve(namesAndTexts.get(i)), namesAndTexts.get(i + 1));
        index.append(namesAndTexts.get(i)).append('\n');
      }
      Files.writeString(directory.resolve("migrations.txt"), index.toString());
      return new URLClassLoader(new URL[] {scripts.toUri().toURL()}, null);
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Migrates the database with the engine's scripts up to the one whose name ends in {@code suffix}, excluded.
   *
   * @return the number of versions applied, the version before that script's
   */
  int migrateToTheVersionBefore(String suffix) {
    int version = IntStream.range(0, ENGINE_SCRIPTS.size())
        .filter(i -> ENGINE_SCRIPTS.get(i).endsWith(suffix)).findFirst().orElseThrow();
    List<String> before = new ArrayList<>();
    for (String name : ENGINE_SCRIPTS.subList(0, version)) {
      before.add(name);
      before.add(engineScript(name));
    }
    assertEquals(versionsFrom(1).subList(0, version),
        versions(new SchemaMigrator(dataSource(), sql(), "before", scriptSet("before", before)).migrate()));
    return version;
  }

  String engineScript(String name) {
    String resource = SchemaMigrator.DEFAULT_LOCATION + "/" + dialect().scriptDirectory() + "/" + name;
    try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Integer> versions(List<Migration> migrations) {
    return migrations.stream().map(Migration::version).toList();
  }

  long query(String sql) {
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      assertTrue(rs.next());
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  void execute(String sql) {
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A database whose schema already holds tables of another application named as the engine's (a host's own
   * {@code tenant}, {@code rate_bucket}) is refused before any script runs, naming them, and they are left as they
   * were. On H2, whose scripts create tables only if they do not exist, the migrator took them for its own: it added
   * a column to the host's {@code tenant} and failed at version 12 with a "column not found", and with only a host's
   * {@code rate_bucket} the engine started on it. On PostgreSQL version 1 failed with SQLState 42P07 naming nothing.
   */
  @Test
  void tablesOfAnotherApplicationNamedAsTheEnginesAreRefusedBeforeAnyScriptRuns() {
    execute("CREATE TABLE tenant (id INTEGER PRIMARY KEY, label VARCHAR(50))");
    execute("CREATE TABLE rate_bucket (id INTEGER PRIMARY KEY)");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> engineMigrator().migrate());
    assertTrue(e.getMessage().contains("tenant") && e.getMessage().contains("rate_bucket"), e.getMessage());
    assertEquals(2, query("SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = CURRENT_SCHEMA"
        + " AND LOWER(TABLE_NAME) = 'tenant'"));
    assertEquals(3, query("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA"),
        "tables besides the host's two and the empty history");
    assertEquals(0, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void aFreshDatabaseIsMigratedAndMigratingAgainChangesNothing() {
    assertEquals(versionsFrom(1), versions(engineMigrator().migrate()));
    assertEquals(List.of(), engineMigrator().migrate());
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
    assertEquals(0, query("SELECT COUNT(*) FROM ledger_entry"));
    assertEquals(0, query("SELECT COUNT(*) FROM event_outbox"));
    assertEquals(0, query("SELECT COUNT(*) FROM coupon_code"));
    assertEquals(0, query("SELECT COUNT(*) FROM referral"));
    assertEquals(0, query("SELECT COUNT(*) FROM points_count"));
    assertEquals(0, query("SELECT COUNT(*) FROM month_winners"));
    assertEquals(0, query("SELECT COUNT(*) FROM landing_page"));
    assertEquals(0, query("SELECT COUNT(*) FROM testimonial"));
    assertEquals(0, query("SELECT COUNT(*) FROM customer_mapping"));
    assertEquals(0, query("SELECT COUNT(*) FROM sso_secret"));
    assertEquals(0, query("SELECT COUNT(*) FROM api_key"));
    assertEquals(0, query("SELECT COUNT(*) FROM quest_completion"));
    assertEquals(0, query("SELECT COUNT(*) FROM feedback_vote"));
    assertEquals(0, query("SELECT COUNT(*) FROM rate_bucket"));
    assertEquals(1024, query("SELECT COUNT(*) FROM node_lease WHERE holder IS NULL"
        + " AND expires_at = TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00'"), "every node number, never leased");
    try (JdbcStorage reopened = JdbcStorage.builder().dataSource(dataSource()).build()) {
      assertEquals(dialect(), reopened.dialect());
    }
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  @Test
  void anOlderSchemaIsUpgraded() {
    engineMigrator().migrate();
    assertEquals(List.of(EXTRA), versions(extraVersionMigrator().migrate()));
    assertEquals(EXTRA, query("SELECT MAX(version) FROM loyalty_schema_history"));
    assertEquals(0, query("SELECT COUNT(*) FROM loyalty_test_extra"));
  }

  @Test
  void aVersionOneDatabaseWithDataIsUpgradedToEvents() {
    ClassLoader firstOnly = scriptSet("first", List.of("V1__foundation.sql", engineScript("V1__foundation.sql")));
    assertEquals(List.of(1), versions(new SchemaMigrator(dataSource(), sql(), "first", firstOnly).migrate()));
    insertVersionOneRows();

    assertEquals(versionsFrom(2), versions(engineMigrator().migrate()));
    assertEquals(0, query("SELECT event_sequence FROM participant WHERE tenant_id = 1 AND participant_id = 4"));
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build()) {
      assertNull(upgraded.inTransaction(tx -> tx.tenants().find(1)).orElseThrow().plan(),
          "a tenant from before version 12 is on the default plan");
      assertEquals(7L, upgraded.inTransaction(tx -> tx.participants().find(1, 4)).orElseThrow().pointsBalance());
      assertEquals(1L, (long) upgraded.inTransaction(tx -> tx.events().nextSequence(1, 4)));
      LockedParticipant credited = upgraded.inTransaction(tx -> tx.ledger().credit(1, 4, 1)).orElseThrow();
      assertEquals(8L, credited.balance());
      assertEquals(2L, credited.eventSequence(), "a balance change numbers the event that records it");
      assertEquals(3L, (long) upgraded.inTransaction(tx -> tx.events().nextSequence(1, 4)));
      assertEquals(List.of(), upgraded.inTransaction(tx -> tx.events().tenantsWithUnpositionedEvents(0, 10)));
    }
  }

  @Test
  void aVersionTwoDatabaseWithDataIsUpgradedToRewards() {
    ClassLoader twoVersions = scriptSet("two", List.of("V1__foundation.sql", engineScript("V1__foundation.sql"),
        "V2__events.sql", engineScript("V2__events.sql")));
    assertEquals(List.of(1, 2), versions(new SchemaMigrator(dataSource(), sql(), "two", twoVersions).migrate()));
    insertVersionOneRows();
    execute("UPDATE participant SET event_sequence = 5 WHERE tenant_id = 1 AND participant_id = 4");

    assertEquals(versionsFrom(3), versions(engineMigrator().migrate()));
    assertEquals(LATEST, query("SELECT MAX(version) FROM loyalty_schema_history"));
    Instant at = Instant.parse("2024-02-01T10:00:00.123456Z");
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build()) {
      assertEquals(6L, (long) upgraded.inTransaction(tx -> tx.events().nextSequence(1, 4)), "version 2 data kept");
      CampaignReward reward = new CampaignReward(10, 1, 3, "Coffee", RewardType.COUPON, RewardAudience.PARTICIPANT,
          2, null, 0, null, 0, null, null, at);
      CatalogReward mug = new CatalogReward(11, 1, 3, "Mug", null, 5, RewardType.CUSTOM_MESSAGE, 1L, true, at);
      EarnedReward earned = new EarnedReward(12, 1, 3, 4, 10, 1, RewardType.COUPON, EarnedRewardStatus.APPROVED,
          true, 0, null, null, 0, null, null, at, at, null);
      upgraded.inTransaction(tx -> {
        tx.rewards().insert(reward);
        tx.rewards().saveProgram(1, new RewardProgram(3, Automation.MANUAL, 2));
        assertEquals(1L, tx.actions().increment(1, 3, 4, 10, 202402, Instant.parse("2024-02-01T00:00:00Z")));
        tx.actions().insert(new ActionRecord(13, 1, 3, 4, 10, ActionSource.DIRECT, Map.of("n", 1L), null, "k", false,
            new ActionCounts(1, 1, 0, 1, 1), at));
        assertTrue(tx.earnedRewards().insertIfAbsent(earned, 13));
        tx.coupons().insertAll(1, 3, List.of(new CouponPort.NewCode(14, "CODE")), at);
        assertEquals(Optional.of("CODE"), tx.coupons().assignNext(1, 3, 12, 4, at));
        tx.earnedRewards().setCoupon(1, 12, "CODE", null);
        tx.catalog().insert(mug);
        assertTrue(tx.catalog().takeStock(1, 11).isPresent());
        tx.catalog().insertRedemption(new Redemption(15, 1, 11, 4, 5, 16, 2, "r", at, false));
        return null;
      });
      assertEquals(List.of(reward), upgraded.inTransaction(tx -> tx.rewards().list(1, 3)));
      assertEquals(1L, (long) upgraded.inTransaction(tx -> tx.actions().count(1, 4, 10, 202402)));
      assertEquals("CODE", upgraded.inTransaction(tx -> tx.earnedRewards().find(1, 12)).orElseThrow().couponCode());
      assertEquals(0L, upgraded.inTransaction(tx -> tx.catalog().find(1, 11)).orElseThrow().stock());
      assertEquals(0L, (long) upgraded.inTransaction(tx -> tx.coupons().remaining(1, 3)));
      assertTrue(upgraded.inTransaction(tx -> tx.catalog().findRedemptionByKey(1, "r")).isPresent());
    }
    assertEquals(List.of(), engineMigrator().migrate());
  }

  @Test
  void aVersionThreeDatabaseWithDataIsUpgradedToReferrals() {
    ClassLoader threeVersions = scriptSet("three", List.of("V1__foundation.sql", engineScript("V1__foundation.sql"),
        "V2__events.sql", engineScript("V2__events.sql"), "V3__rewards.sql", engineScript("V3__rewards.sql")));
    assertEquals(List.of(1, 2, 3),
        versions(new SchemaMigrator(dataSource(), sql(), "three", threeVersions).migrate()));
    insertVersionOneRows();
    execute("INSERT INTO reward_program (tenant_id, campaign_id, automation, coupon_low_stock_threshold)"
        + " VALUES (1, 3, 'MANUAL', 2)");

    assertEquals(versionsFrom(4), versions(engineMigrator().migrate()));
    assertEquals(LATEST, query("SELECT MAX(version) FROM loyalty_schema_history"));
    Instant at = Instant.parse("2024-03-01T10:00:00.123456Z");
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build()) {
      Participant before = upgraded.inTransaction(tx -> tx.participants().find(1, 4)).orElseThrow();
      assertEquals(7, before.pointsBalance(), "version 1 data kept");
      assertNull(before.riskLevel(), "a participant never screened");
      assertNull(before.riskReason());
      assertEquals(Optional.of(new RewardProgram(3, Automation.MANUAL, 2)),
          upgraded.inTransaction(tx -> tx.rewards().findProgram(1, 3)), "version 3 data kept");
      ReferralSettings settings = ReferralSettings.defaults(3).withGoal(ReferralGoal.VISIT)
          .withConversionPoints(ConversionPoints.perUnit(new BigDecimal("1.5")));
      Referral referral = new Referral(1, 3, 5, 4, CodeKind.SIGNED, RiskLevel.MEDIUM, "SHARED_IP",
          ReferralStatus.COUNTED, at);
      upgraded.inTransaction(tx -> {
        assertTrue(tx.participants().setRisk(1, 4, RiskLevel.MEDIUM, "SHARED_IP"));
        tx.referrals().saveSettings(1, settings);
        assertTrue(tx.referrals().insertReferral(referral));
        assertTrue(tx.referrals().insertShortCode(1, 3, 4, "ADA42"));
        tx.referrals().addStats(1, 3, 4, new ReferralStats(0, 0, 0, 0, 1, 0, 0, BigDecimal.ZERO));
        return null;
      });
      Participant after = upgraded.inTransaction(tx -> tx.participants().find(1, 4)).orElseThrow();
      assertEquals(RiskLevel.MEDIUM, after.riskLevel());
      assertEquals("SHARED_IP", after.riskReason());
      assertEquals(Optional.of(settings), upgraded.inTransaction(tx -> tx.referrals().findSettings(1, 3)));
      assertEquals(Optional.of(referral), upgraded.inTransaction(tx -> tx.referrals().findReferral(1, 5)));
      assertEquals(Optional.of(4L), upgraded.inTransaction(tx -> tx.referrals().participantByShortCode(1, 3, "ADA42")));
      assertEquals(1, upgraded.inTransaction(tx -> tx.referrals().stats(1, 4)).signups());
    }
    assertEquals(List.of(), engineMigrator().migrate());
  }

  @Test
  void aVersionFourDatabaseWithDataIsUpgradedToLeaderboards() {
    ClassLoader fourVersions = scriptSet("four", List.of("V1__foundation.sql", engineScript("V1__foundation.sql"),
        "V2__events.sql", engineScript("V2__events.sql"), "V3__rewards.sql", engineScript("V3__rewards.sql"),
        "V4__referrals.sql", engineScript("V4__referrals.sql")));
    assertEquals(List.of(1, 2, 3, 4),
        versions(new SchemaMigrator(dataSource(), sql(), "four", fourVersions).migrate()));
    insertVersionOneRows();
    execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, metadata,"
        + " search_text, points_balance, lifetime_points, created_at, updated_at) VALUES (1, 5, 3, 'b@example.com',"
        + " 'b@example.com', '{}', 'b@example.com', 0, 0, TIMESTAMP WITH TIME ZONE '2024-01-02 00:00:00+00',"
        + " TIMESTAMP WITH TIME ZONE '2024-01-02 00:00:00+00')");
    execute("INSERT INTO action_count (tenant_id, participant_id, campaign_reward_id, year_month, campaign_id, count)"
        + " VALUES (1, 5, 0, 0, 3, 2)");

    assertEquals(versionsFrom(5), versions(engineMigrator().migrate()));
    assertEquals(LATEST, query("SELECT MAX(version) FROM loyalty_schema_history"));
    assertEquals(1, query("SELECT COUNT(*) FROM points_count"), "only participants with lifetime points");
    Instant epoch = Instant.EPOCH;
    Instant at = Instant.parse("2024-03-01T10:00:00.123456Z");
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build()) {
      upgraded.inTransaction(tx -> {
        LeaderboardPort boards = tx.leaderboards();
        assertEquals(Optional.of(new BoardScore(4, 7, Instant.parse("2024-01-01T00:00:00Z"))),
            boards.score(1, 4, BoardMetric.POINTS, 0), "all-time points backfilled from lifetime points");
        assertEquals(Optional.of(new BoardScore(5, 2, Instant.parse("2024-01-02T00:00:00Z"))),
            boards.score(1, 5, BoardMetric.ACTIONS, 0), "version 3 counters kept");
        assertEquals(List.of(new ScoreChange(4, BoardMetric.POINTS, 0, 7, epoch),
            new ScoreChange(5, BoardMetric.ACTIONS, 0, 2, epoch)), boards.changedSince(1, 3, List.of(0), epoch, 10),
            "existing counters changed at the epoch");
        assertEquals(List.of(new BoardScore(4, 7, Instant.parse("2024-01-01T00:00:00Z")),
            new BoardScore(5, 0, Instant.parse("2024-01-02T00:00:00Z"))),
            boards.page(1, 3, BoardMetric.POINTS, 0, null, null, null, 10));
        boards.addPoints(1, 3, 4, 0, 3, at);
        assertEquals(3L, tx.actions().increment(1, 3, 5, 0, 0, Instant.parse("2024-02-01T00:00:00Z")));
        return null;
      });
      List<ScoreChange> changed = upgraded.inTransaction(tx -> tx.leaderboards().changedSince(1, 3, List.of(0),
          epoch.plusSeconds(1), 10));
      assertEquals(2, changed.size(), changed.toString());
      assertTrue(changed.contains(new ScoreChange(4, BoardMetric.POINTS, 0, 10, at)), changed.toString());
      assertTrue(changed.stream().anyMatch(c -> c.metric() == BoardMetric.ACTIONS && c.score() == 3
          && c.changedAt().isAfter(epoch)), "an increment stamps its counter: " + changed);
    }
    assertEquals(List.of(), engineMigrator().migrate());
  }

  /**
   * Version 17 folds the Greek final sigma of the search texts written before it into the medial one, the form the
   * engine now writes and searches in: a participant stored as "ΚΩΣΤΑΣ" ("κωστας") is found by "ΚΩΣ" ("κωσ"), and one
   * stored as "Νίκος" ("νίκος" before, "νίκοσ" after) by "ΝΊΚΟΣ" and by "νίκοσ".
   */
  @Test
  void aVersionSixteenDatabaseWithGreekNamesIsUpgradedSoThatSearchesFoldTheFinalSigma() {
    List<String> sixteen = new ArrayList<>();
    for (String name : ENGINE_SCRIPTS.subList(0, 16)) {
      sixteen.add(name);
      sixteen.add(engineScript(name));
    }
    assertEquals(versionsFrom(1).subList(0, 16),
        versions(new SchemaMigrator(dataSource(), sql(), "sixteen", scriptSet("sixteen", sixteen)).migrate()));
    insertVersionOneRows();
    execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, first_name,"
        + " metadata, search_text, points_balance, lifetime_points, created_at, updated_at) VALUES"
        + " (1, 5, 3, 'k@example.com', 'k@example.com', 'ΚΩΣΤΑΣ', '{}', 'κωστας\n\nk@example.com', 0, 0,"
        + " TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00', TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00'),"
        + " (1, 6, 3, 'n@example.com', 'n@example.com', 'Νίκος', '{}', 'νίκος\n\nn@example.com', 0, 0,"
        + " TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00', TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");

    assertEquals(versionsFrom(17), versions(engineMigrator().migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM participant WHERE search_text LIKE '%ς%'"));
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build();
        TestEngines engines = new TestEngines()) {
      TenantScope scope = engines.build(engines.builder(upgraded, 0)).forTenant(1);
      for (Map.Entry<String, Long> search : Map.of("ΚΩΣ", 5L, "ΚΩΣΤΑΣ", 5L, "ΝΊΚΟΣ", 6L, "νίκοσ", 6L,
          "example.com", -1L).entrySet()) {
        List<Long> found = scope.participants().list(3, ParticipantFilter.search(search.getKey()), Keyset.first(10))
            .items().stream().map(Participant::id).toList();
        assertEquals(search.getValue() < 0 ? List.of(4L, 5L, 6L) : List.of(search.getValue()), found,
            "search for " + search.getKey());
      }
    }
    assertEquals(List.of(), engineMigrator().migrate());
  }

  /**
   * The version that folds the local part's final sigma in sanitized emails: a participant enrolled as
   * "νίκος.α@example.gr" is then found by "ΝΊΚΟΣ.Α@EXAMPLE.GR", whose lower case has the medial sigma, and the
   * capitals are refused as its address; a domain's final sigma is kept. Where both spellings were enrolled, the one
   * already in the folded form keeps it and the other its old form (found by id only); of two rows folding to one
   * form, the lower id takes it.
   */
  @Test
  void aDatabaseWithGreekEmailsIsUpgradedSoThatTheLocalPartsFinalSigmaIsFolded() {
    int fold = migrateToTheVersionBefore("__email_final_sigma.sql");
    insertVersionOneRows();
    String[][] rows = {
        {"5", "νίκος.α@example.gr", "νίκος.α@example.gr"},
        {"6", "Κώστας@καλώς.gr", "κώστας@καλώς.gr"},
        {"7", "ΜΆΡΩΣ.Β@example.gr", "μάρωσ.β@example.gr"},
        {"8", "μάρως.β@example.gr", "μάρως.β@example.gr"},
        {"9", "ας.ας@example.gr", "ας.ας@example.gr"},
        {"10", "ασ.ας@example.gr", "ασ.ας@example.gr"}};
    for (String[] row : rows) {
      execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, metadata,"
          + " search_text, points_balance, lifetime_points, created_at, updated_at) VALUES (1, " + row[0] + ", 3, '"
          + row[1] + "', '" + row[2] + "', '{}', '" + row[2] + "', 0, 0, TIMESTAMP WITH TIME ZONE"
          + " '2024-01-01 00:00:00+00', TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
    }

    assertEquals(versionsFrom(fold + 1), versions(engineMigrator().migrate()));
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build();
        TestEngines engines = new TestEngines()) {
      TenantScope scope = engines.build(engines.builder(upgraded, 0)).forTenant(1);
      Map<Long, String> sanitized = new TreeMap<>();
      for (long id = 5; id <= 10; id++) {
        sanitized.put(id, scope.participants().get(ParticipantRef.id(id)).sanitizedEmail());
      }
      assertEquals(Map.of(5L, "νίκοσ.α@example.gr", 6L, "κώστασ@καλώς.gr", 7L, "μάρωσ.β@example.gr",
          8L, "μάρως.β@example.gr", 9L, "ασ.ασ@example.gr", 10L, "ασ.ας@example.gr"), sanitized);
      for (Map.Entry<String, Long> lookup : Map.of("ΝΊΚΟΣ.Α@EXAMPLE.GR", 5L, "νίκος.α@example.gr", 5L,
          "ΚΏΣΤΑΣ@καλώς.gr", 6L, "μάρως.β@example.gr", 7L, "ΑΣ.ΑΣ@example.gr", 9L).entrySet()) {
        assertEquals(lookup.getValue(), scope.participants().get(ParticipantRef.email(3, lookup.getKey())).id(),
            "found by " + lookup.getKey());
      }
      LoyaltyException taken = assertThrows(LoyaltyException.class,
          () -> scope.participants().create(3, NewParticipant.withEmail("ΝΊΚΟΣ.Α@example.gr")));
      assertEquals(ErrorCode.CONFLICT, taken.code());
    }
    assertEquals(List.of(), engineMigrator().migrate());
  }

  @Test
  void aVersionSixDatabaseWithLedgerEntriesIsUpgradedAndItsDeductionsCountAsPlainDeductions() {
    ClassLoader sixVersions = scriptSet("six", List.of("V1__foundation.sql", engineScript("V1__foundation.sql"),
        "V2__events.sql", engineScript("V2__events.sql"), "V3__rewards.sql", engineScript("V3__rewards.sql"),
        "V4__referrals.sql", engineScript("V4__referrals.sql"), "V5__leaderboards.sql",
        engineScript("V5__leaderboards.sql"), "V6__signup_gates.sql", engineScript("V6__signup_gates.sql")));
    assertEquals(List.of(1, 2, 3, 4, 5, 6),
        versions(new SchemaMigrator(dataSource(), sql(), "six", sixVersions).migrate()));
    insertVersionOneRows();
    execute("INSERT INTO ledger_entry (tenant_id, entry_id, participant_id, campaign_id, kind, amount, type,"
        + " description, idempotency_key, balance_after, created_at) VALUES"
        + " (1, 5, 4, 3, 'AWARD', 10, 'purchase', NULL, 'order-1', 10, TIMESTAMP WITH TIME ZONE"
        + " '2024-01-01 00:00:00+00'), (1, 6, 4, 3, 'DEDUCT', 3, 'refund', NULL, 'refund-1', 7,"
        + " TIMESTAMP WITH TIME ZONE '2024-01-02 00:00:00+00')");

    assertEquals(versionsFrom(7), versions(engineMigrator().migrate()));
    assertEquals(0, query("SELECT COUNT(*) FROM ledger_entry WHERE requested_amount IS NOT NULL"));
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build();
        TestEngines engines = new TestEngines()) {
      TenantScope scope = engines.build(engines.builder(upgraded, 0)).forTenant(1);
      PointsChange refund = PointsChange.of(3, "refund").withIdempotencyKey("refund-1");
      LoyaltyException capped = assertThrows(LoyaltyException.class,
          () -> scope.points().deductUpToBalance(ParticipantRef.id(4), refund));
      assertEquals(ErrorCode.CONFLICT, capped.code(), "an entry from before version 7 is a plain deduction's");
      PointsResult plain = scope.points().deduct(ParticipantRef.id(4), refund);
      assertTrue(plain.replayed());
      assertNull(plain.entry().requestedAmount());
      assertEquals(7, plain.balance());
      PointsResult taken = scope.points().deductUpToBalance(ParticipantRef.id(4),
          PointsChange.of(50, "refund").withIdempotencyKey("refund-2"));
      assertEquals(7, taken.entry().amount());
      assertEquals(50L, taken.entry().requestedAmount());
      assertEquals(taken.entry(), scope.points().deductUpToBalance(ParticipantRef.id(4),
          PointsChange.of(50, "refund").withIdempotencyKey("refund-2")).entry(), "read back with what it asked");
    }
    assertEquals(1, query("SELECT COUNT(*) FROM ledger_entry WHERE requested_amount = 50"));
  }

  @Test
  void aVersionTwelveDatabaseWithDataIsUpgradedKeepingEveryRow() {
    upgradeKeepsEveryRow(12);
  }

  @Test
  void aVersionFifteenDatabaseWithDataIsUpgradedKeepingEveryRow() {
    upgradeKeepsEveryRow(15);
  }

  /**
   * A database at version 24, with rows in its tables, takes versions 25 to 27: the conversions' widened status check,
   * H2's rebuilt index of the rewards waiting for a coupon and the parked deliveries' index, the ideas' status
   * indexes.
   */
  @Test
  void aVersionTwentyFourDatabaseWithDataIsUpgradedKeepingEveryRow() {
    upgradeKeepsEveryRow(24);
  }

  /**
   * A database of the engine's first {@code version} versions, with rows in its tables, is upgraded to the latest:
   * every row keeps the values of the columns it had, the rows read back through the engine's ports, and events
   * positioned before version 16 count from when they occurred.
   */
  void upgradeKeepsEveryRow(int version) {
    List<String> namesAndTexts = new ArrayList<>();
    for (String name : ENGINE_SCRIPTS.subList(0, version)) {
      namesAndTexts.add(name);
      namesAndTexts.add(engineScript(name));
    }
    ClassLoader older = scriptSet("v" + version, namesAndTexts);
    assertEquals(IntStream.rangeClosed(1, version).boxed().toList(),
        versions(new SchemaMigrator(dataSource(), sql(), "v" + version, older).migrate()));
    insertVersionOneRows();
    insertLaterRows(version);
    Map<String, List<Map<String, String>>> before = rows();

    assertEquals(versionsFrom(version + 1), versions(engineMigrator().migrate()));
    Map<String, List<Map<String, String>>> after = rows();
    List<String> lost = new ArrayList<>();
    before.forEach((table, rows) -> {
      List<String> kept = after.get(table).stream().map(row -> {
        Map<String, String> projected = new TreeMap<>(row);
        projected.keySet().retainAll(rows.isEmpty() ? Set.of() : rows.get(0).keySet());
        return projected.toString();
      }).sorted().toList();
      List<String> had = rows.stream().map(Map::toString).sorted().toList();
      if (!had.equals(kept)) {
        lost.add(table + ": " + had + " became " + kept);
      }
    });
    assertEquals(List.of(), lost, "rows changed by the upgrade");
    assertEquals(1, query("SELECT COUNT(*) FROM event_outbox WHERE event_id = 100 AND positioned_at = occurred_at"),
        "an event positioned before version 16 counts from when it occurred");
    assertEquals(1, query("SELECT COUNT(*) FROM event_outbox WHERE event_id = 101 AND positioned_at IS NULL"));
    try (JdbcStorage upgraded = JdbcStorage.builder().dataSource(dataSource()).build()) {
      upgraded.inTransaction(tx -> {
        assertEquals("gold", tx.tenants().find(1).orElseThrow().plan());
        assertEquals("a1b2", tx.apiKeys().find(1, 20).orElseThrow().hint());
        assertEquals(List.of(100L), tx.events().feed(1, 0, Set.of(), null, 10).stream()
            .map(e -> e.eventId()).toList());
        assertEquals(List.of(101L), tx.events().unpositioned(1, 10).stream().map(e -> e.eventId()).toList());
        assertEquals(1, tx.events().prune(Instant.parse("2024-06-01T00:00:00Z"), null, 10).deleted(),
            "the delivered event positioned before the upgrade is pruned by its age; the unpositioned one is kept");
        assertEquals(List.of(22L), tx.earnedRewards().waitingForCoupon(1, 3, 10).stream().map(EarnedReward::id)
            .toList(), "the reward waiting for a coupon, not the one holding its code");
        assertEquals(ConversionStatus.CONVERTED, tx.referrals().findConversion(1, 3, "order-1").orElseThrow()
            .status());
        assertTrue(tx.referrals().insertConversion(new Conversion(23, 1, 3, 4, "order-2", BigDecimal.TEN, 0,
            ConversionStatus.REJECTED, 0, Instant.parse("2024-02-01T00:00:00Z"), null)), "a REJECTED conversion");
        if (version >= 13) {
          assertEquals("Explorer", tx.quests().find(1, 40).orElseThrow().name());
          assertEquals(2, tx.quests().completions(1, 40, 4).size());
          assertEquals(1, tx.feedback().findIdea(1, 51).orElseThrow().votes());
          assertEquals(1, tx.feedback().countVotes(1, 51));
        }
        return null;
      });
    }
    assertEquals(List.of(), engineMigrator().migrate());
  }

  /** Rows in the tables of versions 2 to {@code version} (12 or later), beside {@link #insertVersionOneRows}'s. */
  void insertLaterRows(int version) {
    String t = "TIMESTAMP WITH TIME ZONE '2024-01-01 10:00:00.123456+00'";
    String bytes = dialect() == SqlDialect.POSTGRESQL ? "'\\x00ff10'::bytea" : "X'00ff10'";
    List<String> statements = new ArrayList<>(List.of(
        "INSERT INTO event_outbox (tenant_id, event_id, type, campaign_id, participant_id, sequence, occurred_at,"
            + " schema_version, position, payload) VALUES (1, 100, 'points.awarded', 3, 4, 1, " + t + ", 1, 1,"
            + " '{\"points\": 7}'), (1, 101, 'points.awarded', 3, 4, 2, " + t + ", 1, 0, '{\"points\": 1}')",
        "INSERT INTO event_feed (tenant_id, last_position) VALUES (1, 1)",
        "UPDATE participant SET event_sequence = 2, risk_level = 'LOW', risk_reason = 'NONE' WHERE participant_id = 4",
        "INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position, status,"
            + " attempts, next_attempt_at, lease_owner, lease_until, last_error, updated_at) VALUES"
            + " (1, 100, 'audit', 4, 1, 1, 'DELIVERED', 1, " + t + ", NULL, NULL, NULL, " + t + "),"
            + " (1, 101, 'audit', 4, 2, 0, 'PENDING', 0, " + t + ", 'node-1', " + t + ", 'timeout', " + t + ")",
        "INSERT INTO webhook_endpoint (tenant_id, endpoint_id, url, types, campaign_id, enabled, disabled_reason,"
            + " secret, previous_secret, previous_secret_until, created_at, updated_at) VALUES (1, 30,"
            + " 'https://hooks.example.com/x', 'points.awarded', 3, TRUE, NULL, 'whsec-1', 'whsec-0', " + t + ", "
            + t + ", " + t + ")",
        "INSERT INTO campaign_reward (tenant_id, campaign_reward_id, campaign_id, name, type, audience,"
            + " conversions_required, reward_limit, points, message, cash_amount_minor, currency, handler, created_at)"
            + " VALUES (1, 10, 3, 'Coffee', 'COUPON', 'PARTICIPANT', 2, 5, 0, NULL, 150, 'EUR', NULL, " + t + ")",
        "INSERT INTO action_count (tenant_id, participant_id, campaign_reward_id, year_month, campaign_id, count,"
            + " updated_at) VALUES (1, 4, 10, 202401, 3, 2, " + t + ")",
        "INSERT INTO loyalty_action (tenant_id, action_id, campaign_id, participant_id, campaign_reward_id, source,"
            + " metadata, invited_participant_id, idempotency_key, participant_created, all_time, current_month,"
            + " previous_month, reward_all_time, reward_current_month, recorded_at) VALUES (1, 13, 3, 4, 10, 'DIRECT',"
            + " '{\"n\": 1.50}', NULL, 'k', FALSE, 2, 2, 0, 2, 2, " + t + ")",
        "INSERT INTO earned_reward (tenant_id, earned_reward_id, campaign_id, participant_id, campaign_reward_id,"
            + " cycle, type, status, unread, points, coupon_code, message, cash_amount_minor, currency,"
            + " waiting_reason, action_id, earned_at, approved_at, fulfilled_at) VALUES (1, 12, 3, 4, 10, 1,"
            + " 'COUPON', 'APPROVED', TRUE, 0, 'CODE', NULL, 150, 'EUR', NULL, 13, " + t + ", " + t + ", NULL),"
            + " (1, 22, 3, 4, 10, 2, 'COUPON', 'APPROVED', TRUE, 0, NULL, NULL, 150, 'EUR', 'no code left', 13, " + t
            + ", " + t + ", NULL)",
        "INSERT INTO coupon_code (tenant_id, campaign_id, coupon_id, code, status, earned_reward_id, participant_id,"
            + " created_at, assigned_at) VALUES (1, 3, 14, 'CODE', 'ASSIGNED', 12, 4, " + t + ", " + t + "),"
            + " (1, 3, 15, 'FREE-1', 'FREE', NULL, NULL, " + t + ", NULL)",
        "INSERT INTO catalog_reward (tenant_id, catalog_reward_id, campaign_id, name, description, points_cost,"
            + " type, stock, active, created_at) VALUES (1, 11, 3, 'Mug', 'A mug', 5, 'CUSTOM_MESSAGE', 0, TRUE, "
            + t + ")",
        "INSERT INTO redemption (tenant_id, redemption_id, catalog_reward_id, participant_id, points_spent,"
            + " ledger_entry_id, balance, idempotency_key, redeemed_at) VALUES (1, 16, 11, 4, 5, 17, 2, 'r', " + t
            + ")",
        "INSERT INTO referral_signing_key (tenant_id, key_id, secret, created_at) VALUES (1, 1, " + bytes + ", "
            + t + ")",
        "INSERT INTO referral_conversion (tenant_id, conversion_id, campaign_id, referrer_id, order_id, order_value,"
            + " points, status, points_reversed, created_at, reversed_at) VALUES (1, 18, 3, 4, 'order-1',"
            + " 1234567890123.4567, 12, 'CONVERTED', 0, " + t + ", NULL)",
        "INSERT INTO referral_stats (tenant_id, participant_id, campaign_id, impressions, shares, clicks,"
            + " unique_visitors, signups, conversions, reversals, revenue) VALUES (1, 4, 3, 1, 2, 3, 4, 5, 6, 0,"
            + " 12345678901234567890.1234)",
        "INSERT INTO points_count (tenant_id, participant_id, year_month, campaign_id, points, updated_at) VALUES"
            + " (1, 4, 202401, 3, 7, " + t + ")",
        "INSERT INTO month_winners (tenant_id, campaign_id, metric, year_month, recorded_at) VALUES"
            + " (1, 3, 'POINTS', 202312, " + t + ")",
        "INSERT INTO month_winner (tenant_id, campaign_id, metric, year_month, position, participant_id, score,"
            + " rank) VALUES (1, 3, 'POINTS', 202312, 1, 4, 7, 1)",
        "INSERT INTO referral_signup_gate (tenant_id, campaign_id, gate) VALUES (1, 3, 4095)",
        "INSERT INTO ledger_entry (tenant_id, entry_id, participant_id, campaign_id, kind, amount, type, description,"
            + " idempotency_key, balance_after, created_at, requested_amount) VALUES (1, 17, 4, 3, 'DEDUCT', 5,"
            + " 'redeem', 'Mug', 'redeem-1', 2, " + t + ", 9)",
        "UPDATE node_lease SET holder = 'engine-a', expires_at = " + t + " WHERE node = 7",
        "INSERT INTO landing_page (tenant_id, campaign_id, url, headline, description, share_message, image_url,"
            + " referral_parameter) VALUES (1, 3, 'https://shop.example.com', 'Spring', NULL, 'Join', NULL, 'ref')",
        "INSERT INTO testimonial (tenant_id, testimonial_id, campaign_id, participant_id, text, rating, status,"
            + " created_at, moderated_at) VALUES (1, 19, 3, 4, 'Great \u00e9t\u00e9', 5, 'APPROVED', " + t + ", "
            + t + ")",
        "INSERT INTO sso_secret (tenant_id, secret, previous_secret, previous_secret_until, created_at) VALUES"
            + " (1, 'sso-1', NULL, NULL, " + t + ")",
        "INSERT INTO customer_mapping (tenant_id, campaign_id, customer_id, participant_id, created_at) VALUES"
            + " (1, 3, 'cust-1', 4, " + t + ")",
        "UPDATE tenant SET plan = 'gold' WHERE tenant_id = 1",
        "INSERT INTO api_key (tenant_id, key_id, name, scopes, hint, secret_hash, created_at, revoked_at) VALUES"
            + " (1, 20, 'backend', 'READ,WRITE', 'a1b2', '" + "ab".repeat(32) + "', " + t + ", NULL)"));
    if (version >= 13) {
      statements.addAll(List.of(
          "INSERT INTO quest (tenant_id, quest_id, campaign_id, name, description, completion_bonus, active,"
              + " created_at) VALUES (1, 40, 3, 'Explorer', NULL, 10, TRUE, " + t + ")",
          "INSERT INTO quest_task (tenant_id, quest_id, task_number, name, points) VALUES (1, 40, 1, 'Visit', 1),"
              + " (1, 40, 2, 'Share', 2)",
          "INSERT INTO quest_completion (tenant_id, quest_id, participant_id, task_number, completes_quest,"
              + " completed_at) VALUES (1, 40, 4, 1, FALSE, " + t + "), (1, 40, 4, 2, TRUE, " + t + ")"));
    }
    if (version >= 14) {
      statements.addAll(List.of(
          "INSERT INTO feedback_board (tenant_id, board_id, campaign_id, name, description, is_open, created_at)"
              + " VALUES (1, 50, 3, 'Ideas', '', TRUE, " + t + ")",
          "INSERT INTO feedback_idea (tenant_id, idea_id, board_id, participant_id, title, body, status, votes,"
              + " created_at, updated_at) VALUES (1, 51, 50, 4, 'Dark mode', 'Please', 'OPEN', 1, " + t + ", " + t
              + ")",
          "INSERT INTO feedback_vote (tenant_id, idea_id, participant_id, created_at) VALUES (1, 51, 4, " + t + ")"));
    }
    if (version >= 16) {
      // What version 16 did to the events positioned before it.
      statements.add("UPDATE event_outbox SET positioned_at = occurred_at WHERE position > 0");
    }
    if (version >= 15) {
      statements.add("INSERT INTO rate_bucket (tenant_id, token_limit, period_us, debt, refilled_at, granted)"
          + " VALUES (1, 100, 60000000, 120000000, 1704103200123456, 2)");
    }
    statements.forEach(this::execute);
  }

  /** Every row of every table but the migrator's history, as column name to value text, by table. */
  Map<String, List<Map<String, String>>> rows() {
    Map<String, List<Map<String, String>>> tables = new TreeMap<>();
    try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
      List<String> names = new ArrayList<>();
      try (ResultSet rs = connection.getMetaData().getTables(null, connection.getSchema(), null,
          new String[] {"TABLE", "BASE TABLE"})) {
        while (rs.next()) {
          names.add(rs.getString("TABLE_NAME"));
        }
      }
      for (String table : names) {
        if (table.equalsIgnoreCase("loyalty_schema_history")) {
          continue;
        }
        List<Map<String, String>> rows = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery("SELECT * FROM " + table)) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            Map<String, String> row = new TreeMap<>();
            for (int i = 1; i <= columns; i++) {
              Object value = rs.getObject(i);
              row.put(rs.getMetaData().getColumnName(i).toLowerCase(Locale.ROOT),
                  value instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(value));
            }
            rows.add(row);
          }
        }
        tables.put(table.toLowerCase(Locale.ROOT), rows);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    assertTrue(tables.containsKey("api_key"), tables.keySet().toString());
    return tables;
  }

  /** A tenant 1 with brand 2, campaign 3 and participant 4 (balance 7), written with version 1's columns. */
  void insertVersionOneRows() {
    execute("INSERT INTO tenant (tenant_id, name, type, created_at) VALUES (1, 'Acme', 'BUSINESS',"
        + " TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
    execute("INSERT INTO brand (tenant_id, brand_id, name, domain, created_at) VALUES (1, 2, 'Shop',"
        + " 'shop.example.com', TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
    execute("INSERT INTO campaign (tenant_id, campaign_id, brand_id, name, status, visibility, time_zone, created_at)"
        + " VALUES (1, 3, 2, 'Spring', 'IN_PROGRESS', 'PUBLIC', 'UTC', TIMESTAMP WITH TIME ZONE"
        + " '2024-01-01 00:00:00+00')");
    execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, metadata,"
        + " search_text, points_balance, lifetime_points, created_at, updated_at) VALUES (1, 4, 3, 'a@example.com',"
        + " 'a@example.com', '{}', 'a@example.com', 7, 7, TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00',"
        + " TIMESTAMP WITH TIME ZONE '2024-01-01 00:00:00+00')");
  }

  @Test
  void aNewerSchemaIsRefused() {
    extraVersionMigrator().migrate();
    String expected = "database schema version " + EXTRA + " is newer than this engine supports (" + LATEST
        + "); upgrade the engine";
    assertEquals(expected, assertThrows(IllegalStateException.class, () -> engineMigrator().migrate()).getMessage());
    assertEquals(expected, assertThrows(IllegalStateException.class, () -> engineMigrator().validate()).getMessage());
    assertEquals(expected, assertThrows(IllegalStateException.class,
        () -> JdbcStorage.builder().dataSource(dataSource()).build()).getMessage());
  }

  @Test
  void aChangedScriptIsRefused() {
    engineMigrator().migrate();
    ClassLoader edited = scriptSet("edited", extraVersion(), true);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "edited", edited).migrate());
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  /**
   * A script whose text changed after it shipped, doing the same work, names its former checksum in
   * former-checksums.txt: a database that applied the former text is accepted, one that applied any other is not.
   */
  @Test
  void aScriptAppliedUnderAFormerChecksumListedBesideItIsAccepted() throws IOException {
    String former = extraVersion();
    assertEquals(versionsFrom(1).size() + 1, versions(
        new SchemaMigrator(dataSource(), sql(), "former", scriptSet("former", former, false)).migrate()).size());
    ClassLoader reworded = scriptSet("reworded", former + "\n-- reworded by a later build\n", false);
    Path directory = scripts.resolve("reworded").resolve(dialect().scriptDirectory());
    IllegalStateException unlisted = assertThrows(IllegalStateException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "reworded", reworded).migrate());
    assertTrue(unlisted.getMessage().contains("checksum mismatch"), unlisted.getMessage());

    Files.writeString(directory.resolve("former-checksums.txt"), "# reworded\n" + EXTRA + " " + sha256(former) + "\n");
    assertEquals(List.of(), new SchemaMigrator(dataSource(), sql(), "reworded", reworded).migrate());
    new SchemaMigrator(dataSource(), sql(), "reworded", reworded).validate();

    Files.writeString(directory.resolve("former-checksums.txt"), EXTRA + " " + sha256(former + " ") + "\n");
    IllegalStateException other = assertThrows(IllegalStateException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "reworded", reworded).migrate());
    assertTrue(other.getMessage().contains("checksum mismatch"), other.getMessage());
  }

  @Test
  void aMalformedFormerChecksumListIsRefusedNamingIt() throws IOException {
    ClassLoader loader = scriptSet("malformed", extraVersion(), false);
    Path directory = scripts.resolve("malformed").resolve(dialect().scriptDirectory());
    for (String line : List.of("17 not-a-checksum", "V17 " + sha256("x"), (EXTRA + 1) + " " + sha256("x"))) {
      Files.writeString(directory.resolve("former-checksums.txt"), line + "\n");
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> new SchemaMigrator(dataSource(), sql(), "malformed", loader), line);
      assertTrue(e.getMessage().contains("former-checksums.txt"), e.getMessage());
    }
  }

  private static String sha256(String script) {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(script.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void validateRefusesMissingVersionsListingThemAndAcceptsAMigratedSchema() {
    IllegalStateException empty = assertThrows(IllegalStateException.class, () -> engineMigrator().validate());
    assertTrue(empty.getMessage().contains("missing version(s) 1 (foundation)"), empty.getMessage());
    assertTrue(empty.getMessage().contains(dialect().scriptDirectory() + "/V1__foundation.sql"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 2 (events) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V2__events.sql]"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 3 (rewards) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V3__rewards.sql]"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 4 (referrals) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V4__referrals.sql]"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 5 (leaderboards) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V5__leaderboards.sql]"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 6 (signup gates) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V6__signup_gates.sql]"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 7 (capped deductions) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V7__capped_deductions.sql]"), empty.getMessage());
    assertTrue(empty.getMessage().contains(", 8 (node leases) [io/loyaltyengine/jdbc/schema/"
        + dialect().scriptDirectory() + "/V8__node_leases.sql]"), empty.getMessage());
    engineMigrator().migrate();
    engineMigrator().validate();
    IllegalStateException older = assertThrows(IllegalStateException.class, () -> extraVersionMigrator().validate());
    assertTrue(older.getMessage().contains("missing version(s) " + EXTRA + " (extra table)"), older.getMessage());
    assertTrue(!older.getMessage().contains("1 (foundation)"), older.getMessage());
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  /**
   * A version that fails on the rows it meets (here a unique index over duplicate emails, as a future version adding
   * a constraint over a host's data could) keeps their values out of its failure: H2's message and PostgreSQL's
   * detail quote the duplicate key, and a host logging the start's exception prints the whole cause chain.
   */
  @Test
  void aVersionFailingOnRowsKeepsTheirValuesOutOfItsFailureAndItsCauses() {
    engineMigrator().migrate();
    String email = "ann.private@example.com";
    execute("CREATE TABLE loyalty_test_people (id BIGINT PRIMARY KEY, email VARCHAR(200))");
    execute("INSERT INTO loyalty_test_people (id, email) VALUES (1, '" + email + "'), (2, '" + email + "')");
    ClassLoader failing = scriptSet("unique",
        "CREATE UNIQUE INDEX uq_loyalty_test_people ON loyalty_test_people (email);\n", false);
    StorageException e = assertThrows(StorageException.class,
        () -> new SchemaMigrator(dataSource(), sql(), "unique", failing).migrate());
    assertTrue(e.getMessage().startsWith("applying schema version " + EXTRA + " (extra table) failed (SQLState 23505"),
        e.getMessage());
    List<Throwable> chain = new ArrayList<>();
    collect(e, chain);
    for (Throwable t : chain) {
      assertFalse(String.valueOf(t.getMessage()).contains(email),
          "a link of the failure quotes the row: " + t.getClass().getName() + ": " + t.getMessage());
    }
    assertEquals(LATEST, query("SELECT COUNT(*) FROM loyalty_schema_history"));
  }

  /** {@code t}, its causes, suppressed and next exceptions, depth first. */
  static void collect(Throwable t, List<Throwable> into) {
    if (t == null || into.size() > 64 || into.contains(t)) {
      return;
    }
    into.add(t);
    collect(t.getCause(), into);
    for (Throwable suppressed : t.getSuppressed()) {
      collect(suppressed, into);
    }
    if (t instanceof SQLException sql) {
      collect(sql.getNextException(), into);
    }
  }

  @Test
  void instancesMigratingAtOnceApplyEachVersionExactlyOnce() throws Exception {
    int instances = 4;
    List<SchemaMigrator> migrators = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      migrators.add(extraVersionMigrator());
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(instances);
    try {
      List<Future<List<Migration>>> results = new ArrayList<>();
      for (SchemaMigrator migrator : migrators) {
        results.add(threads.submit(() -> {
          start.await();
          return migrator.migrate();
        }));
      }
      start.countDown();
      List<Integer> applied = new ArrayList<>();
      for (Future<List<Migration>> result : results) {
        applied.addAll(versions(result.get(60, TimeUnit.SECONDS)));
      }
      applied.sort(Integer::compare);
      assertEquals(IntStream.rangeClosed(1, EXTRA).boxed().toList(), applied);
    } finally {
      threads.shutdownNow();
    }
    assertEquals(EXTRA, query("SELECT COUNT(*) FROM loyalty_schema_history"));
    assertEquals(1024, query("SELECT COUNT(*) FROM node_lease"), "the node numbers inserted once");
  }
}
