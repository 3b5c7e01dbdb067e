package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.lang.reflect.InvocationTargetException;
import java.math.BigDecimal;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every JDBC call of an operation failing in turn: the k-th statement prepared or commit of the operation on the
 * calling thread fails (the connection lost, SQLState 08006, every later call on it 08003; the commit lost after it
 * committed; or a serialization failure, 40001, on a connection that stays usable), for every k the operation
 * reaches. Each time the caller gets a {@link LoyaltyException} or its result, nothing is half applied (each balance
 * is the sum of its ledger, a catalog reward's stock and its redemptions add up to what it was given), a retry with
 * the same idempotency key applies the operation once, and what the engine answers from memory (API keys, signing
 * keys, the leaderboard index, which shows this engine's own writes at once) agrees with what committed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class DatabaseFaultSweepTestBase {
  /** How a call fails. */
  enum Fault {
    /** The connection is lost at the call (a commit did not commit). */
    LOST,
    /** A commit commits and then its answer is lost; a statement is lost as for {@link #LOST}. */
    LOST_AFTER_COMMIT,
    /** The call fails with a serialization failure (a commit is rolled back); the connection stays usable. */
    SERIALIZATION
  }

  private HikariDataSource pool;
  private final TestEngines engines = new TestEngines();
  /** Stands still: the leaderboard index catches up with storage only when it moves, so it shows its own writes. */
  private final SettableClock clock = SettableClock.at(Instant.parse("2026-03-10T12:00:00Z"));
  private LoyaltyEngine engine;
  /** The thread whose calls count; null: none. */
  private volatile Thread armedFor;
  /** Calls left before the failing one (counted on {@link #armedFor}'s calls only). */
  private final AtomicInteger callsLeft = new AtomicInteger();
  /** Calls made while armed. */
  private final AtomicInteger calls = new AtomicInteger();
  private volatile Fault fault;
  private volatile boolean failed;

  /** A new pool on a fresh database of the backend. */
  abstract HikariDataSource openPool();

  /** Drops what {@link #openPool} made, once its pool is closed. */
  void closeDatabase() {
  }

  @BeforeEach
  void open() {
    pool = openPool();
    engine = engines.build(engines.builder(JdbcStorage.builder().dataSource(failing(pool)).build(), 0)
        .clock(clock)
        .access(AccessSettings.builder().plan("free", 1_000_000, Duration.ofMinutes(1)).defaultPlan("free")
            .build()));
  }

  @AfterEach
  void close() {
    engines.close();
    pool.close();
    closeDatabase();
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyCallOfAnOperationFailingLeavesNothingHalfAppliedAndAKeyedRetryAppliesOnce(Fault kind) {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Sweep")).id());
    Brand brand = shop.brands().create(new NewBrand("Sweep", "https://sweep.example"));
    Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Sweep"));
    long ada = shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com")).id();
    ParticipantRef adaRef = ParticipantRef.id(ada);
    shop.points().award(adaRef, PointsChange.of(1_000_000, "opening"));
    CampaignReward loyal = shop.rewards().define(campaign.id(), NewCampaignReward.points("Loyal", 7, 2));
    CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tin", 10,
        RewardType.CUSTOM_MESSAGE).withStock(1_000));
    AtomicInteger n = new AtomicInteger();

    sweep(kind, "award", () -> {
      String key = "award-" + n.incrementAndGet();
      return new Operation(() -> shop.points().award(adaRef, PointsChange.of(3, "purchase").withIdempotencyKey(key)),
          () -> indexAgreesWithStorage(shop, adaRef, BoardMetric.POINTS));
    });
    sweep(kind, "deduct", () -> {
      String key = "deduct-" + n.incrementAndGet();
      return new Operation(
          () -> shop.points().deduct(adaRef, PointsChange.of(2, "redemption").withIdempotencyKey(key)));
    });
    sweep(kind, "action", () -> {
      String key = "action-" + n.incrementAndGet();
      return new Operation(
          () -> shop.rewards().recordAction(LoyaltyAction.of(adaRef, loyal.id()).withIdempotencyKey(key)),
          () -> indexAgreesWithStorage(shop, adaRef, BoardMetric.ACTIONS));
    });
    sweep(kind, "redeem", () -> {
      String key = "redeem-" + n.incrementAndGet();
      return new Operation(() -> shop.catalog().redeem(adaRef, tin.id(), key));
    });
    sweep(kind, "enrol", () -> {
      String email = "p" + n.incrementAndGet() + "@example.com";
      return new Operation(() -> shop.participants().create(campaign.id(), NewParticipant.withEmail(email)));
    });
    shop.referrals().configure(ReferralSettings.defaults(campaign.id())
        .withConversionPoints(ConversionPoints.fixed(25)));
    String code = shop.referrals().codes(adaRef).shortCode();
    sweep(kind, "signup", () -> {
      String email = "invited" + n.incrementAndGet() + "@example.com";
      return new Operation(() -> shop.referrals().signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail(email), code)));
    });
    sweep(kind, "convert", () -> {
      String order = "order-" + n.incrementAndGet();
      return new Operation(() -> shop.referrals().convert(campaign.id(),
          new NewConversion(code, order, new BigDecimal("40"))));
    });
    sweep(kind, "revoke", () -> {
      IssuedApiKey issued = shop.apiKeys().issue(NewApiKey.of("till", ApiScope.READ));
      engine.access().authenticate(issued.secret(), ApiScope.READ); // cached live
      return new Operation(() -> shop.apiKeys().revoke(issued.key().id()), () -> keyAgreesWithStorage(shop, issued));
    });
    sweep(kind, "rotate", () -> new Operation(shop.referrals()::rotateSigningKey, () -> {
      String signed = shop.referrals().codes(adaRef).signed();
      assertEquals(ada, shop.referrals().decode(campaign.id(), signed).participantId(), "a signed code verifies");
    }));
  }

  /** An operation, and what checks after it (failed or not) that the engine's memory agrees with storage. */
  private record Operation(Supplier<Object> run, Runnable check) {
    Operation(Supplier<Object> run) {
      this(run, () -> { });
    }
  }

  /**
   * Runs the operation {@code next} makes, failing its k-th call for k = 1, 2, ... until a run no longer reaches
   * the failure, checking after each run that nothing is half applied, and running it again with no failure (the
   * host's retry).
   */
  private void sweep(Fault kind, String name, Supplier<Operation> next) {
    for (int k = 1; ; k++) {
      Operation operation = next.get();
      failed = false;
      arm(kind, k);
      Object got;
      try {
        got = operation.run().get();
      } catch (LoyaltyException e) {
        got = e;
        assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code(), () -> name + " at call " + calls.get() + ": " + e);
      } catch (RuntimeException | Error e) {
        disarm();
        throw new AssertionError(name + ", call " + calls.get() + " failing (" + kind + "): not a LoyaltyException",
            e);
      } finally {
        disarm();
      }
      boolean reached = failed;
      consistent(name + ", call " + k + " failing (" + kind + "), answered " + got);
      operation.check().run();
      Object retried;
      try {
        retried = operation.run().get();
      } catch (LoyaltyException e) {
        retried = e;
      }
      operation.check().run();
      consistent(name + ", call " + k + " failing (" + kind + "), then retried: " + retried);
      if (!reached) {
        assertTrue(k > 1, name + " made no call");
        return;
      }
      if (kind == Fault.SERIALIZATION && got instanceof LoyaltyException) {
        fail(name + ": a serialization failure at call " + k + " is retried, not answered with " + got);
      }
    }
  }

  private static void indexAgreesWithStorage(TenantScope shop, ParticipantRef who, BoardMetric metric) {
    assertEquals(shop.leaderboards().standing(who, metric, Consistency.STRONG).score(),
        shop.leaderboards().standing(who, metric, Consistency.INDEX).score(),
        "the index's " + metric + " score is the stored one");
  }

  private void keyAgreesWithStorage(TenantScope shop, IssuedApiKey issued) {
    boolean revoked = shop.apiKeys().get(issued.key().id()).isRevoked();
    boolean accepted;
    try {
      engine.access().authenticate(issued.secret(), ApiScope.READ);
      accepted = true;
    } catch (LoyaltyException e) {
      assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e::toString);
      accepted = false;
    }
    assertEquals(!revoked, accepted, "the key is accepted exactly while it is not revoked in storage");
  }

  /** Each balance is the sum of its ledger; each catalog reward's stock plus its redemptions is what it was given. */
  private void consistent(String when) {
    String sum = "COALESCE(SUM(CASE l.kind WHEN 'DEDUCT' THEN -l.amount ELSE l.amount END), 0)";
    assertEquals(List.of(), rows("SELECT p.participant_id, p.points_balance, " + sum
        + " FROM participant p LEFT JOIN ledger_entry l ON l.tenant_id = p.tenant_id"
        + " AND l.participant_id = p.participant_id GROUP BY p.participant_id, p.points_balance"
        + " HAVING p.points_balance <> " + sum), "balances not their ledger's sum: " + when);
    assertEquals(List.of(), rows("SELECT c.catalog_reward_id, c.stock, COUNT(r.redemption_id) FROM catalog_reward c"
        + " LEFT JOIN redemption r ON r.tenant_id = c.tenant_id AND r.catalog_reward_id = c.catalog_reward_id"
        + " GROUP BY c.catalog_reward_id, c.stock HAVING c.stock + COUNT(r.redemption_id) <> 1000"),
        "stock and redemptions disagree: " + when);
    assertEquals(List.of(), rows("SELECT idempotency_key FROM ledger_entry WHERE idempotency_key IS NOT NULL"
        + " GROUP BY idempotency_key HAVING COUNT(*) > 1"), "a key applied twice: " + when);
  }

  private List<String> rows(String query) {
    try (Connection c = pool.getConnection(); var s = c.createStatement(); var rs = s.executeQuery(query)) {
      List<String> found = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(i > 1 ? ", " : "").append(rs.getString(i));
        }
        found.add(row.toString());
      }
      return found;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void arm(Fault kind, int k) {
    fault = kind;
    calls.set(0);
    callsLeft.set(k);
    armedFor = Thread.currentThread();
  }

  private void disarm() {
    armedFor = null;
  }

  private DataSource failing(DataSource dataSource) {
    return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          Object result = invoke(dataSource, method, args);
          return result instanceof Connection connection ? failing(connection) : result;
        });
  }

  /**
   * {@code connection}, failing its calls as armed. A statement that ends with {@code COMMIT} (PostgreSQL sends rows
   * held back with the commit) is the transaction's commit: the connection's {@code commit()} after it sends nothing,
   * so it is not counted, and its answer lost after it committed is lost after its execution.
   */
  private Connection failing(Connection connection) {
    boolean[] gone = new boolean[1];
    boolean[] committedBySql = new boolean[1];
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          String name = method.getName();
          if (name.equals("close") || name.equals("isClosed") || name.equals("unwrap")
              || name.equals("isWrapperFor")) {
            return invoke(connection, method, args);
          }
          if (gone[0]) {
            throw new SQLException("connection lost (a test's injected failure)", "08003");
          }
          boolean commit = name.equals("commit");
          boolean sqlCommits = name.startsWith("prepare") && args != null && args[0] instanceof String sql
              && sql.stripTrailing().endsWith("COMMIT");
          if (commit && committedBySql[0]) {
            committedBySql[0] = false;
            return invoke(connection, method, args);
          }
          committedBySql[0] = sqlCommits;
          boolean counted = (name.startsWith("prepare") || name.equals("createStatement") || commit)
              && armedFor == Thread.currentThread();
          if (counted) {
            calls.incrementAndGet();
          }
          if (counted && callsLeft.decrementAndGet() == 0) {
            failed = true;
            switch (fault) {
              case SERIALIZATION -> {
                if (commit) {
                  connection.rollback();
                }
                throw new SQLException("serialization failure (a test's injected failure)", "40001");
              }
              case LOST_AFTER_COMMIT -> {
                if (sqlCommits) {
                  return lostAfterExecution((PreparedStatement) invoke(connection, method, args), gone);
                }
                if (commit) {
                  connection.commit();
                } else {
                  connection.rollback();
                }
              }
              case LOST -> connection.rollback();
              default -> throw new IllegalStateException();
            }
            gone[0] = true;
            throw new SQLException("connection lost (a test's injected failure)", "08006");
          }
          return invoke(connection, method, args);
        });
  }

  /** {@code statement}, whose execution runs and then loses the connection. */
  private static PreparedStatement lostAfterExecution(PreparedStatement statement, boolean[] gone) {
    return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
          Object result = invoke(statement, method, args);
          if (method.getName().startsWith("execute")) {
            gone[0] = true;
            throw new SQLException("connection lost (a test's injected failure)", "08006");
          }
          return result;
        });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
